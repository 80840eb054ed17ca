package driver

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/stablesqlite/stablesqlite/internal/guest"
)

// Rows is a result set.
type Rows struct {
	s     *Stmt
	ctx   context.Context
	names []string
	decl  []string
	kinds []kind // what each declared type scans into

	done   bool // the statement has finished (and SQLite has reset it)
	closed bool
}

var (
	_ driver.Rows                           = (*Rows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*Rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*Rows)(nil)
)

// Columns implements driver.Rows.
func (r *Rows) Columns() []string { return r.names }

// ColumnTypeDatabaseTypeName returns the column's declared type, upper-cased
// ("" for an expression).
func (r *Rows) ColumnTypeDatabaseTypeName(i int) string { return strings.ToUpper(r.decl[i]) }

// ColumnTypeScanType returns the Go type the declared type scans into.
func (r *Rows) ColumnTypeScanType(i int) reflect.Type { return scanTypes[r.kinds[i]] }

// scanTypes are the Go types of the kinds of declared types.
var scanTypes = [...]reflect.Type{kindAny: reflect.TypeFor[any](), kindInt: reflect.TypeFor[int64](),
	kindFloat: reflect.TypeFor[float64](), kindText: reflect.TypeFor[string](), kindBlob: reflect.TypeFor[[]byte](),
	kindBool: reflect.TypeFor[bool](), kindTime: reflect.TypeFor[time.Time]()}

// step moves to the next row, which is then readable with read until the
// next call on the connection; it reports whether there is one.
func (r *Rows) step() (bool, error) {
	row, err := r.s.st.Step(len(r.names))
	if !row {
		r.done = true // SQLite has reset the statement
		r.s.c.endStatement()
	}
	return row, fail(r.ctx, err)
}

// Next implements driver.Rows.
func (r *Rows) Next(dest []driver.Value) error {
	if r.closed || r.done {
		return io.EOF
	}
	if err := r.s.c.check(r.ctx); err != nil {
		return err
	}
	stop := r.s.c.sc.Watch(r.ctx)
	defer stop()
	row, err := r.step()
	if err != nil {
		return err
	}
	if !row {
		return io.EOF
	}
	r.read(dest)
	return nil
}

// read converts the current row in guest memory into dest.
func (r *Rows) read(dest []driver.Value) {
	tr, bx := &r.s.c.cfg.time, &r.s.c.boxes
	row := r.s.st.Row(len(dest))
	for k := range dest {
		switch row.Type(k) {
		case guest.TypeInteger:
			dest[k] = tr.fromInt(row.Int(k), r.kinds[k], bx)
		case guest.TypeFloat:
			dest[k] = tr.fromFloat(row.Float(k), r.kinds[k], bx)
		case guest.TypeText:
			dest[k] = tr.fromText(row.Bytes(k), r.kinds[k])
		case guest.TypeBlob:
			// Not copied: the bytes stay as they are in guest memory until
			// the statement's next call, which is as long as database/sql
			// lets them be seen (it copies them for every destination but
			// sql.RawBytes, which promises no more).
			b := row.Bytes(k)
			if b == nil {
				b = []byte{} // an empty blob, not NULL
			}
			dest[k] = b
		default:
			dest[k] = nil
		}
	}
}

// Close implements driver.Rows. A statement that has not finished is reset
// at once, so that its read lock does not block writers.
func (r *Rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	s := r.s
	if s.rows == r {
		s.rows = nil
	}
	defer s.c.endStatement()
	if s.c.closed || s.closed && !s.ownedByRows {
		return nil
	}
	// A statement that has not finished finishes now, and in autocommit
	// mode that is where its transaction commits (an INSERT ... RETURNING
	// read for one row): a commit that fails there is the caller's error,
	// or an acknowledged write would be lost without one.
	var err error
	if s.ownedByRows {
		s.closed = true
		err = s.st.Close()
	} else if !r.done {
		err = s.st.Reset()
	}
	if !r.done {
		return fail(r.ctx, err)
	}
	return nil
}

// detach ends the rows of a statement that is being finalized.
func (r *Rows) detach() {
	r.closed = true
}
