package sqlite

import (
	"math"

	"github.com/stablesqlite/stablesqlite/internal/guest"
)

// args is a statement's arguments staged in guest memory: n slots, then
// the bytes of text and blob values. The next Exec or Step binds them in
// the same call.
type args struct {
	ptr, cap, used uint32
	n              int // staged slots; -1: none staged
}

// take returns the staged slot count, as ss_exec and ss_step take it
// (negative: bind nothing), and marks them bound.
func (a *args) take() uint64 {
	n := a.n
	if a.ptr == 0 && n > 0 {
		n = -1
	}
	a.n = -1
	return uint64(int64(n))
}

func (a *args) drop() { a.n = -1 }

// ClearArgs stages n arguments for the statement's next run, all NULL.
func (s *Stmt) ClearArgs(n int) error {
	s.args.n, s.args.used = n, 0
	if n <= 0 {
		return nil
	}
	size := uint32(n) * guest.SlotSize
	if err := s.grow(size); err != nil {
		s.args.n = -1
		return err
	}
	buf, _ := s.c.inst.Memory().Read(s.args.ptr, size)
	clear(buf)
	for k := range n {
		buf[k*guest.SlotSize] = guest.TypeNull
	}
	s.args.used = size
	return nil
}

// grow makes the argument buffer hold at least need bytes, keeping what is
// staged (text and blob slots point into the buffer: they move with it).
func (s *Stmt) grow(need uint32) error {
	a, i := &s.args, s.c.inst
	if need <= a.cap && a.ptr != 0 {
		return nil
	}
	size := max(need, 2*a.cap, 256)
	np, err := i.Malloc(size)
	if err != nil {
		return hostError(err)
	}
	if a.ptr != 0 {
		mem := i.Memory()
		data, _ := mem.Read(a.ptr, a.used)
		mem.Write(np, data)
		for k := 0; k < a.n; k++ {
			at := np + uint32(k)*guest.SlotSize
			if t, _ := mem.ReadUint32Le(at); t == guest.TypeText || t == guest.TypeBlob {
				v, _ := mem.ReadUint64Le(at + 8)
				mem.WriteUint64Le(at+8, v-uint64(a.ptr)+uint64(np))
			}
		}
		i.Free(a.ptr)
	}
	a.ptr, a.cap = np, size
	return nil
}

func (s *Stmt) slot(k int, typ int32, length uint32, value uint64) {
	guest.PutSlot(s.c.inst.Memory(), s.args.ptr+uint32(k)*guest.SlotSize, typ, length, value)
}

// BindInt sets argument k (0-based) to an integer.
func (s *Stmt) BindInt(k int, v int64) { s.slot(k, guest.TypeInteger, 0, uint64(v)) }

// BindFloat sets argument k to a float.
func (s *Stmt) BindFloat(k int, v float64) { s.slot(k, guest.TypeFloat, 0, math.Float64bits(v)) }

// BindNull sets argument k to NULL.
func (s *Stmt) BindNull(k int) { s.slot(k, guest.TypeNull, 0, 0) }

// BindText sets argument k to text.
func (s *Stmt) BindText(k int, v string) error {
	p, err := s.bytes(len(v))
	if err != nil {
		return err
	}
	s.c.inst.Memory().WriteString(p, v)
	s.slot(k, guest.TypeText, uint32(len(v)), uint64(p))
	return nil
}

// BindBlob sets argument k to a blob (an empty, non-nil blob stays a blob).
func (s *Stmt) BindBlob(k int, v []byte) error {
	p, err := s.bytes(len(v))
	if err != nil {
		return err
	}
	s.c.inst.Memory().Write(p, v)
	s.slot(k, guest.TypeBlob, uint32(len(v)), uint64(p))
	return nil
}

// bytes makes room for n bytes of argument data and returns their guest
// address.
func (s *Stmt) bytes(n int) (uint32, error) {
	a := &s.args
	if n > math.MaxInt32-int(a.used) {
		return 0, hostError(guest.ErrTooBig)
	}
	need := a.used + uint32(n)
	if err := s.grow(need); err != nil {
		return 0, err
	}
	p := a.ptr + a.used
	a.used = need
	return p, nil
}
