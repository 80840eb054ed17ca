package instrument

import "fmt"

// customName returns the name of a custom section and the rest of its
// payload.
func customName(payload []byte) (string, []byte, error) {
	r := &reader{b: payload}
	name := r.name()
	if r.err != nil {
		return "", nil, fmt.Errorf("custom section: %w", r.err)
	}
	return name, payload[r.p:], nil
}

// Subsections of the name section that are indexed by function: function
// names, local names and label names.
const (
	nameFunctions = 1
	nameLocals    = 2
	nameLabels    = 3
)

// renumberNames rewrites the function indices of a name section's content
// (after its name) through f, which must keep their order; the other
// subsections are kept as they were.
func renumberNames(content []byte, f func(uint32) uint32) ([]byte, error) {
	r := &reader{b: content}
	var out []byte
	for !r.done() {
		id := r.byte()
		sub := r.bytes(r.u32())
		if r.err != nil {
			break
		}
		if id == nameFunctions || id == nameLocals || id == nameLabels {
			var err error
			if sub, err = renumberNameMap(sub, f, id != nameFunctions); err != nil {
				return nil, fmt.Errorf("name section, subsection %d: %w", id, err)
			}
		}
		out = append(out, id)
		out = appendU32(out, uint32(len(sub)))
		out = append(out, sub...)
	}
	if r.err != nil {
		return nil, fmt.Errorf("name section: %w", r.err)
	}
	return out, nil
}

// renumberNameMap rewrites a name map's indices, or an indirect name map's
// outer indices.
func renumberNameMap(sub []byte, f func(uint32) uint32, indirect bool) ([]byte, error) {
	r := &reader{b: sub}
	n := r.u32()
	out := appendU32(nil, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		out = appendU32(out, f(r.u32()))
		if !indirect {
			out = appendName(out, r.name())
			continue
		}
		m := r.u32()
		out = appendU32(out, m)
		for j := uint32(0); j < m && r.err == nil; j++ {
			out = appendU32(out, r.u32())
			out = appendName(out, r.name())
		}
	}
	if r.err == nil && r.p != len(sub) {
		r.fail("%d bytes after the map", len(sub)-r.p)
	}
	return out, r.err
}
