package stable

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stablesqlite/stablesqlite/backend"
)

// driverConn is what Message needs of the driver's connection behind a
// sql.Conn (stablesqlite's *driver.Conn has both methods).
type driverConn interface {
	Backend() backend.Backend
	InTransaction() bool
}

// onConn runs f on the driver connection behind conn.
func onConn(conn *sql.Conn, f func(driverConn) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driverConn)
		if !ok {
			return fmt.Errorf("stable: %T is not a stablesqlite connection", dc)
		}
		return f(c)
	})
}

// backendOf returns the stable backend behind conn.
func backendOf(conn *sql.Conn) (*Backend, error) {
	var sb *Backend
	err := onConn(conn, func(c driverConn) error {
		b, ok := c.Backend().(*Backend)
		if !ok {
			return fmt.Errorf("stable: messages need the stable backend, not %T", c.Backend())
		}
		sb = b
		return nil
	})
	return sb, err
}

// ErrTransactionOpen is returned when a message's function leaves a
// transaction open.
var ErrTransactionOpen = errors.New("stable: message ended with a transaction open")

// Message runs fn as one message of the stable memory behind conn, as an
// Internet Computer update call: every statement fn runs (on conn) lands in
// the memory at once when fn returns nil, and none of them does when fn
// returns an error or panics (a trap). After a trap SQLite sees that the
// database changed under it (its change counter went back) and drops its
// page cache and schema before the next statement.
//
// fn must leave no transaction open. Connections other than conn that write
// to the same memory during the message become part of it, as on the
// platform, where one message runs at a time.
func Message(ctx context.Context, conn *sql.Conn, fn func(*sql.Conn) error) error {
	return runMessage(ctx, conn, fn, false)
}

// QueryMessage runs fn as a query message: whatever it writes is dropped.
func QueryMessage(ctx context.Context, conn *sql.Conn, fn func(*sql.Conn) error) error {
	return runMessage(ctx, conn, fn, true)
}

func runMessage(ctx context.Context, conn *sql.Conn, fn func(*sql.Conn) error, query bool) (err error) {
	sb, err := backendOf(conn)
	if err != nil {
		return err
	}
	if query {
		err = sb.BeginQuery()
	} else {
		err = sb.BeginMessage()
	}
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			sb.Trap()
			// A transaction left open ends, so that the connection holds
			// no lock and no stale pages.
			if open, err := txOpen(conn); err == nil && open {
				conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			}
		}
	}()
	if err := fn(conn); err != nil {
		return err
	}
	if open, err := txOpen(conn); err != nil || open {
		return errors.Join(ErrTransactionOpen, err)
	}
	if query {
		return nil // the deferred Trap drops the writes
	}
	committed = true
	return sb.CommitMessage()
}

func txOpen(conn *sql.Conn) (open bool, err error) {
	err = onConn(conn, func(c driverConn) error {
		open = c.InTransaction()
		return nil
	})
	return open, err
}

type msgKind int

const (
	noMessage msgKind = iota
	updateMessage
	queryMessage
)

// ErrMessage is returned for a message call out of order.
var ErrMessage = errors.New("stable: message scope misuse")

// BeginMessage opens an explicit message: the commit points of every
// connection of this backend are held back until CommitMessage or Trap.
func (b *Backend) BeginMessage() error { return b.begin(updateMessage) }

// BeginQuery opens a query message, whose writes are always dropped: Trap
// ends it.
func (b *Backend) BeginQuery() error { return b.begin(queryMessage) }

func (b *Backend) begin(kind msgKind) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ready(); err != nil {
		return err
	}
	if b.msg != noMessage {
		return fmt.Errorf("%w: a message is already open", ErrMessage)
	}
	defer b.meter.begin()
	if b.inBatch {
		return fmt.Errorf("%w: a transaction is committing", ErrMessage)
	}
	// What an earlier implicit message left (it cannot, but a failed sync
	// might) is committed first, so the message holds only its own work.
	if err := b.commit(); err != nil {
		return err
	}
	b.msg = kind
	return nil
}

// CommitMessage lands the message's writes, all of them or none; on error
// the message has trapped.
func (b *Backend) CommitMessage() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.msg != updateMessage {
		return fmt.Errorf("%w: no update message is open", ErrMessage)
	}
	b.msg = noMessage
	if err := b.commit(); err != nil {
		return err
	}
	b.meter.end(false)
	return nil
}

// Trap drops everything written since the message began; the memory is
// exactly as the last commit left it. Connections must drop what they
// cached (the driver's Message helper does it).
func (b *Backend) Trap() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msg = noMessage
	b.revert()
}
