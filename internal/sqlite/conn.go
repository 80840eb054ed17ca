// Package sqlite is the typed layer over SQLite in its guest instance: a
// Conn, its Stmts, Blobs and backups, values that own their handles, and
// methods that return error (an *Error with SQLite's codes, wrapping what
// the backend said). Each Conn is one instance of the module, so a Conn
// and what it opened must be used by one goroutine at a time.
package sqlite

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/internal/guest"
	"github.com/stablesqlite/stablesqlite/internal/rc"
)

// Config configures a connection.
type Config struct {
	// Backend stores the database and the other files SQLite opens.
	Backend backend.Backend
	// MemoryLimit caps the connection's Wasm memory, in bytes; 0 is the
	// default (all of wasm32's 4 GiB, reserved, not committed).
	MemoryLimit int64
	// Metered runs the metered module: the connection counts the
	// instructions SQLite executes (Instructions) and can be given a budget
	// (SetBudget).
	Metered bool
}

// Conn is one SQLite connection, in a guest instance of its own.
type Conn struct {
	inst *guest.Instance
	db   uint32
	row  uint32 // guest buffer of row slots
	nRow int    // its size in slots
}

// Open opens the database name with flags (SQLITE_OPEN_* bits), with
// extended result codes on and the interrupt check installed.
func Open(name string, flags backend.OpenFlags, cfg Config) (*Conn, error) {
	inst, err := guest.New(guest.Config{Backend: cfg.Backend, Name: uriPath(name, flags), MemoryLimit: cfg.MemoryLimit, Metered: cfg.Metered})
	if err != nil {
		return nil, err
	}
	c := &Conn{inst: inst}
	vfs, err := inst.VFS(cfg.Backend)
	if err == nil {
		c.db, err = c.openDB(name, flags, vfs)
	}
	if err != nil {
		inst.Close()
		return nil, hostError(err)
	}
	return c, nil
}

// uriPath returns the file name of name, which is a file: URI when flags
// say so.
func uriPath(name string, flags backend.OpenFlags) string {
	if flags&backend.OpenURI == 0 || !strings.HasPrefix(name, "file:") {
		return name
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(name, "file:"), "?")
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	return path
}

// openDB opens a database handle in this connection's instance, on the
// named VFS ("": the instance's own backend); on failure it is closed and
// the error says why.
func (c *Conn) openDB(name string, flags backend.OpenFlags, vfs string) (uint32, error) {
	i := c.inst
	p, err := i.CString(name+"\x00"+vfs, 8)
	if err != nil {
		return 0, hostError(err)
	}
	vfsPtr := uint64(0)
	if vfs != "" {
		vfsPtr = uint64(p) + uint64(len(name)) + 1
	}
	out, _ := i.Scratch(8)
	code, err := i.Call32(guest.FnOpen, uint64(p), uint64(flags), vfsPtr, uint64(out))
	if err != nil {
		return 0, hostError(err)
	}
	db, _ := i.Memory().ReadUint32Le(out)
	if rc.Code(code) != rc.OK {
		err := c.errorOf(db, rc.Code(code))
		if db != 0 {
			i.Call(guest.FnCloseV2, uint64(db))
		}
		return 0, err
	}
	return db, nil
}

// Close closes the connection: it finalizes nothing (close the statements
// first) and releases the instance.
func (c *Conn) Close() error {
	var err error
	if c.inst.Err() == nil {
		code, cerr := c.inst.Call32(guest.FnCloseV2, uint64(c.db))
		if cerr != nil {
			err = hostError(cerr)
		} else if rc.Code(code) != rc.OK {
			err = c.error(rc.Code(code))
		}
	}
	if cerr := c.inst.Close(); err == nil {
		err = cerr
	}
	return err
}

// Broken returns the trap that broke the connection's instance, or nil.
func (c *Conn) Broken() error { return c.inst.Err() }

// Backend returns the connection's backend.
func (c *Conn) Backend() backend.Backend { return c.inst.Backend() }

// Watch makes a cancellation of ctx interrupt the calls made until stop is
// called (SQLITE_INTERRUPT).
func (c *Conn) Watch(ctx context.Context) (stop func()) { return c.inst.Watch(ctx) }

// error returns the *Error for a result code of the connection.
func (c *Conn) error(code rc.Code) error { return c.errorOf(c.db, code) }

// errorOf returns the *Error for a result code of the database handle db:
// SQLite's extended code and message, the offset in the SQL text it
// blames, and, for storage errors, what the backend said.
func (c *Conn) errorOf(db uint32, code rc.Code) error {
	i := c.inst
	if err := i.Err(); err != nil {
		return hostError(err)
	}
	e := newError(code, "")
	if db != 0 {
		if ext, err := i.Call32(guest.FnErrcode, uint64(db)); err == nil && ext != 0 {
			e = newError(rc.Code(ext), "")
		}
		if p, err := i.Call(guest.FnErrmsg, uint64(db)); err == nil {
			e.Message = i.ReadCString(uint32(p))
		}
		if off, err := i.Call32(guest.FnErrorOffset, uint64(db)); err == nil {
			e.Offset = int(off)
		}
	}
	switch rc.Code(e.Code) {
	case rc.IOErr, rc.Full, rc.CantOpen, rc.ReadOnly, rc.Busy:
		e.Cause = i.BackendError(rc.Code(e.Code))
	case rc.Interrupt:
		if i.OverBudget() {
			e.Cause = ErrBudget
		}
	}
	return e
}

// Exec runs the statements of sql (sqlite3_exec), discarding any rows.
func (c *Conn) Exec(sql string) error {
	p, err := c.inst.CString(sql, 0)
	if err != nil {
		return hostError(err)
	}
	return c.result(c.inst.Call32(guest.FnExecSQL, uint64(c.db), uint64(p), 0, 0, 0))
}

// result turns the outcome of a call that returns a result code into an
// error.
func (c *Conn) result(code int32, err error) error {
	switch {
	case err != nil:
		return hostError(err)
	case rc.Code(code) != rc.OK:
		return c.error(rc.Code(code))
	}
	return nil
}

// Autocommit reports whether the connection is outside an explicit
// transaction (sqlite3_get_autocommit).
func (c *Conn) Autocommit() bool {
	r, err := c.inst.Call32(guest.FnAutocommit, uint64(c.db))
	return err == nil && r != 0
}

// SetBusyTimeout sets how long the connection waits for a lock
// (sqlite3_busy_timeout).
func (c *Conn) SetBusyTimeout(d time.Duration) error {
	return c.result(c.inst.Call32(guest.FnBusyTimeout, uint64(c.db), uint64(uint32(d.Milliseconds()))))
}

// Complete reports whether sql ends with a complete statement
// (sqlite3_complete).
func (c *Conn) Complete(sql string) (bool, error) {
	p, err := c.inst.CString(sql, 0)
	if err != nil {
		return false, hostError(err)
	}
	r, err := c.inst.Call32(guest.FnComplete, uint64(p))
	return r != 0, hostError(err)
}

// ErrBudget is the cause of the SQLITE_INTERRUPT of a statement stopped
// because it ran out of instructions: its own budget (SetBudget) or its
// message's (a stable backend's limits).
var ErrBudget = errors.New("sqlite: instruction budget spent")

// Instructions returns the instructions SQLite has executed on this
// connection (0 unless Config.Metered).
func (c *Conn) Instructions() uint64 { return c.inst.Instructions() }

// SetBudget lets what runs from now on execute n more instructions in all
// (0: no budget of the connection's own), with metering.
func (c *Conn) SetBudget(n uint64) { c.inst.SetBudget(n) }

// errInterrupted is what a copy that the connection's context stopped
// returns.
var errInterrupted = newError(rc.Interrupt, "interrupted")

// IsInterrupt reports whether err is SQLITE_INTERRUPT.
func IsInterrupt(err error) bool { return errors.Is(err, ErrorCode(rc.Interrupt)) }
