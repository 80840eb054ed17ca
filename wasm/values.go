package wasm

import (
	"encoding/binary"
	"math"

	"github.com/tetratelabs/wazero/api"
)

// Arguments are staged in guest memory, in the slot layout of glue.c (16
// bytes: type, length, value or pointer), with text and blob bytes after the
// slots, and handed to ss_exec or ss_step in the same call that runs the
// statement.

// ResetArgs prepares n argument slots for stmt, all NULL; the next Exec or
// Step of stmt binds them in the same call. Arguments staged for another
// statement that has not run yet are bound to it first, so that staging
// never loses them.
func (i *Instance) ResetArgs(stmt uint32, n int) error {
	if err := i.flushArgs(); err != nil {
		return err
	}
	i.nArgs, i.argsFor = n, stmt
	if n <= 0 {
		return nil
	}
	size := uint32(n) * slotSize
	if err := i.reserve(&i.args, size); err != nil {
		return err
	}
	buf, _ := i.mem.Read(i.args.ptr, size)
	clear(buf)
	for k := range n {
		buf[k*slotSize] = TypeNull
	}
	i.args.used = size
	return nil
}

// slot writes argument slot k (ResetArgs made room for it).
func (i *Instance) slot(k int, typ int32, length uint32, value uint64) {
	putSlot(i.mem, i.args.ptr+uint32(k)*slotSize, typ, length, value)
}

// putSlot writes a slot at guest address at, in place (a copy through
// Memory.Write would allocate); it reports false if at is out of bounds.
func putSlot(mem api.Memory, at uint32, typ int32, length uint32, value uint64) bool {
	s, ok := mem.Read(at, slotSize)
	if ok {
		binary.LittleEndian.PutUint32(s[0:], uint32(typ))
		binary.LittleEndian.PutUint32(s[4:], length)
		binary.LittleEndian.PutUint64(s[8:], value)
	}
	return ok
}

// ArgInt sets argument k (0-based) to an integer.
func (i *Instance) ArgInt(k int, v int64) { i.slot(k, TypeInteger, 0, uint64(v)) }

// ArgFloat sets argument k to a float.
func (i *Instance) ArgFloat(k int, v float64) { i.slot(k, TypeFloat, 0, math.Float64bits(v)) }

// ArgNull sets argument k to NULL.
func (i *Instance) ArgNull(k int) { i.slot(k, TypeNull, 0, 0) }

// ArgText sets argument k to text.
func (i *Instance) ArgText(k int, s string) error {
	p, err := i.argBytes(len(s))
	if err != nil {
		return err
	}
	i.mem.WriteString(p, s)
	i.slot(k, TypeText, uint32(len(s)), uint64(p))
	return nil
}

// ArgBlob sets argument k to a blob (an empty, non-nil blob stays a blob).
func (i *Instance) ArgBlob(k int, b []byte) error {
	p, err := i.argBytes(len(b))
	if err != nil {
		return err
	}
	i.mem.Write(p, b)
	i.slot(k, TypeBlob, uint32(len(b)), uint64(p))
	return nil
}

// argBytes makes room for n bytes of argument data and returns their guest
// address. When the buffer moves, the slots' pointers move with it.
func (i *Instance) argBytes(n int) (uint32, error) {
	if n > math.MaxInt32-int(i.args.used) {
		return 0, ErrTooBig
	}
	need := i.args.used + uint32(n)
	if need > i.args.cap {
		old := i.args
		np, err := i.malloc(max(need, 2*old.cap))
		if err != nil {
			return 0, err
		}
		// Copy what is staged and rebase the pointers of text and blob slots.
		data, _ := i.mem.Read(old.ptr, old.used)
		i.mem.Write(np, data)
		for k := 0; k < i.nArgs; k++ {
			at := np + uint32(k)*slotSize
			if t, _ := i.mem.ReadUint32Le(at); t == TypeText || t == TypeBlob {
				v, _ := i.mem.ReadUint64Le(at + 8)
				i.mem.WriteUint64Le(at+8, v-uint64(old.ptr)+uint64(np))
			}
		}
		i.call(&i.fFree, uint64(old.ptr))
		i.args.ptr, i.args.cap = np, max(need, 2*old.cap)
	}
	p := i.args.ptr + i.args.used
	i.args.used = need
	return p, nil
}

// flushArgs binds arguments staged for a statement that has not run yet.
func (i *Instance) flushArgs() error {
	stmt, n := i.argsFor, i.nArgs
	i.argsFor, i.nArgs = 0, -1
	if stmt == 0 || n < 0 {
		return nil
	}
	rc, err := i.call32(&i.fBind, uint64(stmt), uint64(i.args.ptr), uint64(n))
	if err == nil && rc != rcOK {
		i.pendingRC[stmt] = rc // reported by the statement's next Step
	}
	return err
}

// argsOf returns the staged arguments' count if they are for stmt, and -1
// (do not bind) otherwise; either way they are consumed.
func (i *Instance) argsOf(stmt uint32) int {
	n := i.nArgs
	if i.argsFor != stmt {
		n = -1
	}
	i.argsFor, i.nArgs = 0, -1
	return n
}

// dropArgs forgets arguments staged for stmt (it is being reset or
// finalized).
func (i *Instance) dropArgs(stmt uint32) {
	if i.argsFor == stmt {
		i.argsFor, i.nArgs = 0, -1
	}
	delete(i.pendingRC, stmt)
}

// Exec binds the staged arguments, runs the statement to its end and resets
// it; it returns the result code, the last insert rowid and the changes.
func (i *Instance) Exec(db, stmt uint32) (rc int32, lastID, changes int64, err error) {
	out, err := i.scratchOut(16)
	if err != nil {
		return 0, 0, 0, err
	}
	if rc, ok := i.pendingRC[stmt]; ok {
		delete(i.pendingRC, stmt)
		return rc, 0, 0, nil
	}
	rc, err = i.call32(&i.fExec, uint64(db), uint64(stmt), uint64(i.args.ptr), uint64(int64(i.argsOf(stmt))), uint64(out))
	if err != nil {
		return 0, 0, 0, err
	}
	id, _ := i.mem.ReadUint64Le(out)
	ch, _ := i.mem.ReadUint64Le(out + 8)
	return rc, int64(id), int64(ch), nil
}

// Step binds the staged arguments (if any) and steps the statement. On
// SQLITE_ROW (100) the first nCol columns are readable with Col* until the
// next call on the instance; on anything else the statement has been reset.
func (i *Instance) Step(stmt uint32, nCol int) (int32, error) {
	if rc, ok := i.pendingRC[stmt]; ok {
		delete(i.pendingRC, stmt)
		i.call(&i.fReset, uint64(stmt))
		return rc, nil
	}
	if err := i.reserve(&i.row, uint32(nCol)*slotSize); err != nil {
		return 0, err
	}
	return i.call32(&i.fStep, uint64(stmt), uint64(i.args.ptr), uint64(int64(i.argsOf(stmt))), uint64(i.row.ptr), uint64(nCol))
}

func (i *Instance) scratchOut(n uint32) (uint32, error) {
	if err := i.reserve(&i.scratch, n); err != nil {
		return 0, err
	}
	return i.scratch.ptr, nil
}

// Row is the current row of the last Step, as SQLite's memory holds it:
// valid until the next call on the instance.
type Row struct {
	slots []byte
	mem   []byte // all of guest memory, for text and blob bytes
}

// Row returns the first n columns of the current row.
func (i *Instance) Row(n int) Row {
	slots, _ := i.mem.Read(i.row.ptr, uint32(n)*slotSize)
	all, _ := i.mem.Read(0, i.mem.Size())
	return Row{slots: slots, mem: all}
}

// Type returns the type of column k.
func (r Row) Type(k int) int32 {
	return int32(binary.LittleEndian.Uint32(r.slots[k*slotSize:]))
}

// Int returns column k as an integer.
func (r Row) Int(k int) int64 {
	return int64(binary.LittleEndian.Uint64(r.slots[k*slotSize+8:]))
}

// Float returns column k as a float.
func (r Row) Float(k int) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(r.slots[k*slotSize+8:]))
}

// Bytes returns the text or blob of column k, aliasing guest memory: copy
// it before the next call. Out-of-range pointers give nil.
func (r Row) Bytes(k int) []byte {
	n := uint64(binary.LittleEndian.Uint32(r.slots[k*slotSize+4:]))
	p := binary.LittleEndian.Uint64(r.slots[k*slotSize+8:])
	if n == 0 || p+n > uint64(len(r.mem)) {
		return nil
	}
	return r.mem[p : p+n : p+n]
}
