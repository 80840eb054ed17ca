package guest

import (
	"encoding/binary"
	"math"

	"github.com/tetratelabs/wazero/api"
)

// Values cross between host and guest in 16-byte slots (glue.c): i32 type,
// i32 length (of text or blob), i64 value (the integer, the double's bits,
// or a pointer to the bytes).

// SlotSize is the size of one slot.
const SlotSize = 16

// SQLite's fundamental types, as they appear in slots.
const (
	TypeInteger = 1
	TypeFloat   = 2
	TypeText    = 3
	TypeBlob    = 4
	TypeNull    = 5
	TypeError   = 6 // a callback's error result, with its message
)

// PutSlot writes a slot at guest address at, in place (a copy through
// Memory.Write would allocate); it reports false if at is out of bounds.
func PutSlot(mem api.Memory, at uint32, typ int32, length uint32, value uint64) bool {
	s, ok := mem.Read(at, SlotSize)
	if ok {
		binary.LittleEndian.PutUint32(s[0:], uint32(typ))
		binary.LittleEndian.PutUint32(s[4:], length)
		binary.LittleEndian.PutUint64(s[8:], value)
	}
	return ok
}

// Slots reads slots as written by the guest: all of guest memory and the
// slots' bytes in it, so that text and blobs are read in place.
type Slots struct {
	slots []byte
	mem   []byte
}

// ReadSlots returns the n slots at guest address at (none if they are
// out of bounds). They alias guest memory: valid until the next call.
func ReadSlots(mem api.Memory, at uint32, n int) Slots {
	slots, _ := mem.Read(at, uint32(n)*SlotSize)
	all, _ := mem.Read(0, mem.Size())
	return Slots{slots: slots, mem: all}
}

// Type returns the type of slot k.
func (s Slots) Type(k int) int32 { return int32(binary.LittleEndian.Uint32(s.slots[k*SlotSize:])) }

// Int returns slot k as an integer.
func (s Slots) Int(k int) int64 { return int64(binary.LittleEndian.Uint64(s.slots[k*SlotSize+8:])) }

// Float returns slot k as a float.
func (s Slots) Float(k int) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(s.slots[k*SlotSize+8:]))
}

// Bytes returns the text or blob of slot k, aliasing guest memory; nil
// when empty or out of bounds.
func (s Slots) Bytes(k int) []byte {
	b, _ := s.bytes(k)
	return b
}

// bytes is Bytes, and false when the bytes are out of bounds.
func (s Slots) bytes(k int) ([]byte, bool) {
	n := uint64(binary.LittleEndian.Uint32(s.slots[k*SlotSize+4:]))
	p := binary.LittleEndian.Uint64(s.slots[k*SlotSize+8:])
	if n == 0 {
		return nil, true
	}
	if p > math.MaxUint32 || p+n > uint64(len(s.mem)) {
		return nil, false
	}
	return s.mem[p : p+n : p+n], true
}
