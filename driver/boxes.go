package driver

import (
	"math"
	"unsafe"
)

// boxes makes the interface values of a connection's integer and float
// results without an allocation each. Go stores a non-pointer value in an
// interface by copying it into a heap object of its own (8 bytes, one
// malloc); a scan of 100,000 rows makes as many objects per column, and Go's
// collector runs for them. Here the values share slabs of boxSlab words:
// each result is written once into the next free word, and the interface
// points at it. A word is never written again, so values a caller keeps stay
// what they were; a slab lives as long as any of its values.
type boxes struct {
	free []uint64 // the current slab's unused words
}

// boxSlab is the number of values in one slab (2 KiB).
const boxSlab = 256

// eface is the layout of an interface value of type any: its dynamic type
// and a pointer to its value (the runtime's, unchanged since Go 1.4).
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// The dynamic types of the values boxed here, taken from interface values.
var (
	int64Type   = typeOf(int64(0))
	float64Type = typeOf(float64(0))
	stringType  = typeOf("")
)

func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// word returns the next unused word, starting a slab when one is used up.
func (b *boxes) word(bits uint64) unsafe.Pointer {
	if len(b.free) == 0 {
		b.free = make([]uint64, boxSlab)
	}
	p := &b.free[0]
	*p = bits
	b.free = b.free[1:]
	return unsafe.Pointer(p)
}

// int64 returns v as an interface value.
func (b *boxes) int64(v int64) any {
	if uint64(v) < 256 {
		return v // Go keeps boxes of these in static memory: no allocation
	}
	var x any
	*(*eface)(unsafe.Pointer(&x)) = eface{int64Type, b.word(uint64(v))}
	return x
}

// float64 returns v as an interface value.
func (b *boxes) float64(v float64) any {
	var x any
	*(*eface)(unsafe.Pointer(&x)) = eface{float64Type, b.word(math.Float64bits(v))}
	return x
}

// shortText is a text value of up to len(bytes) bytes and its string header
// in one heap object, where Go's conversion makes two (the bytes, then the
// header the interface points at).
type shortText struct {
	s     string
	bytes [32]byte
}

// text returns b as a string in an interface value.
func text(b []byte) any {
	if len(b) == 0 || len(b) > len(shortText{}.bytes) {
		return string(b)
	}
	t := new(shortText)
	copy(t.bytes[:], b)
	t.s = unsafe.String(&t.bytes[0], len(b))
	var x any
	*(*eface)(unsafe.Pointer(&x)) = eface{stringType, unsafe.Pointer(&t.s)}
	return x
}
