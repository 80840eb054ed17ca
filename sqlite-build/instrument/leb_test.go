package instrument

import (
	"math"
	"testing"
)

func TestLEB128(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 64, 127, 128, 624485, math.MaxUint32} {
		b := appendULEB(nil, v)
		r := &reader{b: b}
		if got := r.uleb(32); got != v || r.err != nil || r.p != len(b) {
			t.Errorf("unsigned %d: % x decodes to %d (%v)", v, b, got, r.err)
		}
	}
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 127, -128, -123456, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64} {
		b := appendSLEB(nil, v)
		r := &reader{b: b}
		bits := uint(64)
		if v == int64(int32(v)) {
			bits = 32
		}
		if got := r.sleb(bits); got != v || r.err != nil || r.p != len(b) {
			t.Errorf("signed %d: % x decodes to %d (%v)", v, b, got, r.err)
		}
	}
	// Shortest forms, as the toolchain writes them.
	for _, c := range []struct {
		v    int64
		want string
	}{{-1, "\x7f"}, {63, "\x3f"}, {64, "\xc0\x00"}, {-64, "\x40"}, {-65, "\xbf\x7f"}} {
		if got := string(appendSLEB(nil, c.v)); got != c.want {
			t.Errorf("appendSLEB(%d) = % x, want % x", c.v, got, c.want)
		}
	}
}

func TestLEB128Rejects(t *testing.T) {
	for _, c := range []struct {
		b      string
		signed bool
		bits   uint
	}{
		{"\x80\x80\x80\x80\x10", false, 32},                    // 2^32: too large
		{"\x80\x80\x80\x80\x80\x00", false, 32},                // six bytes
		{"\x80", false, 32},                                    // cut short
		{"\xff\xff\xff\xff\x0f", true, 32},                     // 2^32-1: too large for s32
		{"\x80\x80\x80\x80\x70", true, 32},                     // sign bits disagree
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", true, 64}, // 2^64-1: sign bits disagree
	} {
		r := &reader{b: []byte(c.b)}
		if c.signed {
			r.sleb(c.bits)
		} else {
			r.uleb(c.bits)
		}
		if r.err == nil {
			t.Errorf("% x decoded as a %d-bit number (signed %v)", c.b, c.bits, c.signed)
		}
	}
	// The largest values of each width are accepted.
	for _, c := range []struct {
		b    string
		bits uint
		want int64
	}{
		{"\xff\xff\xff\xff\x07", 32, math.MaxInt32},
		{"\x80\x80\x80\x80\x78", 32, math.MinInt32},
		{"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 64, math.MinInt64},
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 64, math.MaxInt64},
	} {
		r := &reader{b: []byte(c.b)}
		if got := r.sleb(c.bits); got != c.want || r.err != nil {
			t.Errorf("% x: %d (%v), want %d", c.b, got, r.err, c.want)
		}
	}
}
