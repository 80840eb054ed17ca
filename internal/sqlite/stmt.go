package sqlite

import (
	"errors"
	"math"

	"github.com/stablesqlite/stablesqlite/internal/guest"
	"github.com/stablesqlite/stablesqlite/internal/rc"
)

// Stmt is a prepared statement. Its arguments are staged in a buffer of
// its own in guest memory, bound in the same call that runs it.
type Stmt struct {
	c       *Conn
	h       uint32
	nParams int
	args    args
}

// ErrExpired is returned by Columns for a statement whose connection has
// changed the schema since it was prepared: its columns may have changed,
// so it must be prepared again.
var ErrExpired = errors.New("sqlite: statement expired")

// Prepare compiles the first statement of sql. It returns the statement
// (nil when sql holds only white space and comments) and the byte offset
// in sql where the rest begins. persistent hints that the statement will
// be kept and run many times.
func (c *Conn) Prepare(sql string, persistent bool) (*Stmt, int, error) {
	i := c.inst
	if len(sql) > math.MaxInt32-64 {
		return nil, 0, hostError(guest.ErrTooBig)
	}
	p, err := i.Scratch(uint32(len(sql)) + 8)
	if err != nil {
		return nil, 0, hostError(err)
	}
	i.Memory().WriteString(p+8, sql)
	flags := uint64(0)
	if persistent {
		flags = 1 // SQLITE_PREPARE_PERSISTENT
	}
	code, err := i.Call32(guest.FnPrepare, uint64(c.db), uint64(p+8), uint64(len(sql)), flags, uint64(p))
	if err := c.result(code, err); err != nil {
		return nil, 0, err
	}
	h, _ := i.Memory().ReadUint32Le(p)
	t, _ := i.Memory().ReadUint32Le(p + 4)
	tail := int(min(t, uint32(len(sql))))
	if h == 0 {
		return nil, tail, nil
	}
	n, err := i.Call32(guest.FnParamCount, uint64(h))
	if err != nil {
		return nil, 0, hostError(err)
	}
	return &Stmt{c: c, h: h, nParams: int(n)}, tail, nil
}

// ParamCount returns the number of parameters.
func (s *Stmt) ParamCount() int { return s.nParams }

// ParamName returns the name of parameter k (1-based) with its prefix, ""
// for a nameless one.
func (s *Stmt) ParamName(k int) (string, error) {
	p, err := s.c.inst.Call(guest.FnParamName, uint64(s.h), uint64(k))
	if err != nil {
		return "", hostError(err)
	}
	return s.c.inst.ReadCString(uint32(p)), nil
}

// Columns returns the names and declared types of the statement's columns,
// in one call; ErrExpired if it must be prepared again first.
func (s *Stmt) Columns() (names, decltypes []string, err error) {
	i := s.c.inst
	capacity := uint32(64)
	for {
		buf, err := i.Scratch(capacity * 8)
		if err != nil {
			return nil, nil, hostError(err)
		}
		n, err := i.Call32(guest.FnColumns, uint64(s.h), uint64(buf), uint64(capacity))
		if err != nil {
			return nil, nil, hostError(err)
		}
		if n < 0 {
			return nil, nil, ErrExpired
		}
		if uint32(n) > capacity {
			capacity = uint32(n)
			continue
		}
		names, decltypes = make([]string, n), make([]string, n)
		for k := range n {
			np, _ := i.Memory().ReadUint32Le(buf + uint32(8*k))
			dp, _ := i.Memory().ReadUint32Le(buf + uint32(8*k) + 4)
			names[k], decltypes[k] = i.ReadCString(np), i.ReadCString(dp)
		}
		return names, decltypes, nil
	}
}

// Result is what running a statement to its end reports.
type Result struct {
	LastInsertID, Changes int64
}

// Exec binds the staged arguments, runs the statement to its end and
// resets it.
func (s *Stmt) Exec() (Result, error) {
	i := s.c.inst
	out, err := i.Scratch(16)
	if err != nil {
		return Result{}, hostError(err)
	}
	code, err := i.Call32(guest.FnExec, uint64(s.c.db), uint64(s.h), uint64(s.args.ptr), s.args.take(), uint64(out))
	if err := s.c.result(code, err); err != nil {
		return Result{}, err
	}
	id, _ := i.Memory().ReadUint64Le(out)
	ch, _ := i.Memory().ReadUint64Le(out + 8)
	return Result{int64(id), int64(ch)}, nil
}

// Step binds the staged arguments (if any) and steps the statement; it
// reports whether there is a row. A row's first nCol columns are then
// readable with Row until the next call on the connection; at the end, or
// on an error, the statement has been reset.
func (s *Stmt) Step(nCol int) (bool, error) {
	c := s.c
	if nCol > c.nRow {
		p, err := c.inst.Malloc(uint32(max(nCol, 16)) * guest.SlotSize)
		if err != nil {
			return false, hostError(err)
		}
		c.inst.Free(c.row)
		c.row, c.nRow = p, max(nCol, 16)
	}
	code, err := c.inst.Call32(guest.FnStep, uint64(s.h), uint64(s.args.ptr), s.args.take(), uint64(c.row), uint64(nCol))
	switch {
	case err != nil:
		return false, hostError(err)
	case rc.Code(code) == rc.Row:
		return true, nil
	case rc.Code(code) == rc.Done:
		return false, nil
	}
	return false, c.error(rc.Code(code))
}

// Row returns the first n columns of the current row, as SQLite's memory
// holds them: valid until the next call on the connection.
func (s *Stmt) Row(n int) guest.Slots { return guest.ReadSlots(s.c.inst.Memory(), s.c.row, n) }

// Reset resets the statement (its bindings stay).
func (s *Stmt) Reset() error {
	s.args.drop()
	return s.c.result(s.c.inst.Call32(guest.FnReset, uint64(s.h)))
}

// Close finalizes the statement and frees its argument buffer.
func (s *Stmt) Close() error {
	if s.h == 0 {
		return nil
	}
	err := s.c.result(s.c.inst.Call32(guest.FnFinalize, uint64(s.h)))
	s.c.inst.Free(s.args.ptr)
	s.h, s.args = 0, args{}
	return err
}
