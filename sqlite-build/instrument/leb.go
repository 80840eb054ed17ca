package instrument

import (
	"errors"
	"fmt"
)

// reader reads the WebAssembly binary format from a byte slice. Its first
// error sticks: later reads return zero values, and err says what went wrong
// and where, so that decoders can read a whole record and check once.
type reader struct {
	b   []byte
	p   int
	err error
}

var errEOF = errors.New("unexpected end")

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("at byte %d: %s", r.p, fmt.Sprintf(format, args...))
	}
}

func (r *reader) done() bool { return r.err != nil || r.p >= len(r.b) }

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.p >= len(r.b) {
		r.fail("%v", errEOF)
		return 0
	}
	c := r.b[r.p]
	r.p++
	return c
}

func (r *reader) bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)-r.p) {
		r.fail("%v: %d bytes wanted, %d left", errEOF, n, len(r.b)-r.p)
		return nil
	}
	s := r.b[r.p : r.p+int(n)]
	r.p += int(n)
	return s
}

// uleb reads an unsigned LEB128 number of at most bits bits.
func (r *reader) uleb(bits uint) uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift+7 > bits && c>>(bits-shift) != 0 {
			// The last byte may carry only the bits that remain, and no
			// continuation.
			r.fail("unsigned LEB128 number larger than %d bits", bits)
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
}

// sleb reads a signed LEB128 number of at most bits bits.
func (r *reader) sleb(bits uint) int64 {
	var v int64
	for shift := uint(0); ; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift+7 >= bits {
			// The last byte: no continuation, and its unused bits must
			// repeat the sign bit.
			rest := int8(c<<1) >> (bits - shift) // bits from the sign bit up, sign-extended
			if c >= 0x80 || (rest != 0 && rest != -1) {
				r.fail("signed LEB128 number larger than %d bits", bits)
				return 0
			}
		}
		v |= int64(c&0x7f) << shift
		if c < 0x80 {
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v
		}
	}
}

func (r *reader) u32() uint32 { return uint32(r.uleb(32)) }

func (r *reader) name() string { return string(r.bytes(r.u32())) }

func appendULEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendSLEB(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendU32(b []byte, v uint32) []byte { return appendULEB(b, uint64(v)) }

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}
