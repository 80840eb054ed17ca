package instrument

import (
	"bytes"
	"fmt"
)

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
)

var header = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// Section is one section of a module: its id and its payload, the bytes
// after the size. Sections the pass does not change are written back as
// they were read.
type Section struct {
	ID      byte
	Payload []byte
}

// order is the position a non-custom section must take (the data count
// section comes between element and code).
func order(id byte) int {
	switch id {
	case secDataCount:
		return 10
	case secCode:
		return 11
	case secData:
		return 12
	}
	return int(id)
}

// SplitSections splits a binary module into its sections, checking the
// header, the framing and the order of the sections; it decodes no payload.
func SplitSections(wasm []byte) ([]Section, error) {
	if !bytes.HasPrefix(wasm, header) {
		return nil, fmt.Errorf("not a WebAssembly 1.0 binary module")
	}
	r := &reader{b: wasm, p: len(header)}
	var out []Section
	last := 0
	for !r.done() {
		id := r.byte()
		size := r.u32()
		payload := r.bytes(size)
		if r.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, r.err)
		}
		if id > secDataCount {
			return nil, fmt.Errorf("unknown section id %d", id)
		}
		if id != secCustom {
			if order(id) <= last {
				return nil, fmt.Errorf("section %d out of order or repeated", id)
			}
			last = order(id)
		}
		out = append(out, Section{id, payload})
	}
	return out, r.err
}

// JoinSections writes a binary module from its sections.
func JoinSections(sections []Section) []byte {
	n := len(header)
	for _, s := range sections {
		n += 6 + len(s.Payload)
	}
	b := make([]byte, 0, n)
	b = append(b, header...)
	for _, s := range sections {
		b = append(b, s.ID)
		b = appendU32(b, uint32(len(s.Payload)))
		b = append(b, s.Payload...)
	}
	return b
}

// decodeVec reads a vector's length, then calls item that many times,
// then checks that the payload was read to its end exactly.
func decodeVec(payload []byte, what string, item func(r *reader, i int)) error {
	r := &reader{b: payload}
	n := r.u32()
	if uint64(n) > uint64(len(payload)) { // every item takes a byte at least
		return fmt.Errorf("%s section: %d items in %d bytes", what, n, len(payload))
	}
	for i := 0; i < int(n) && r.err == nil; i++ {
		item(r, i)
	}
	if r.err == nil && r.p != len(payload) {
		r.fail("%d bytes after the last item", len(payload)-r.p)
	}
	if r.err != nil {
		return fmt.Errorf("%s section: %w", what, r.err)
	}
	return nil
}
