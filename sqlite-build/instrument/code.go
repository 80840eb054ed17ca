package instrument

import "fmt"

// Body is one function body of the code section: its local declarations,
// as written (runs of one type), and the bytes of its expression.
type Body struct {
	Locals []Locals
	Code   []byte
}

// Locals declares Count locals of one value type.
type Locals struct {
	Count uint32
	Type  byte
}

// maxLocals bounds the locals a function may declare, against a corrupt
// count (the specification allows 2^32-1; browsers' engines stop at this).
const maxLocals = 50000

func decodeCode(payload []byte) ([]Body, error) {
	var out []Body
	err := decodeVec(payload, "code", func(r *reader, i int) {
		size := r.u32()
		body := r.bytes(size)
		if r.err != nil {
			return
		}
		br := &reader{b: body}
		var b Body
		total := uint64(0)
		n := br.u32()
		if uint64(n) > uint64(len(body)) {
			br.fail("%d local declarations", n)
		}
		for j := uint32(0); j < n && br.err == nil; j++ {
			l := Locals{Count: br.u32(), Type: br.byte()}
			if !isValType(l.Type) && br.err == nil {
				br.fail("local of type 0x%02x", l.Type)
			}
			if total += uint64(l.Count); total > maxLocals {
				br.fail("more than %d locals", maxLocals)
			}
			b.Locals = append(b.Locals, l)
		}
		if br.err != nil {
			r.err = fmt.Errorf("function body %d: %w", i, br.err)
			return
		}
		b.Code = body[br.p:]
		out = append(out, b)
	})
	return out, err
}

// appendBody appends a function body: its size, locals and code.
func appendBody(b []byte, locals []Locals, code []byte) []byte {
	head := appendU32(nil, uint32(len(locals)))
	for _, l := range locals {
		head = appendU32(head, l.Count)
		head = append(head, l.Type)
	}
	b = appendU32(b, uint32(len(head)+len(code)))
	b = append(b, head...)
	return append(b, code...)
}
