package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/internal/sqlite"
)

// Conn is a connection: one Wasm instance running one SQLite connection.
// Through sql.Conn.Raw it also offers what database/sql has no place for.
type Conn struct {
	cache    stmtCache
	cb       callbacks
	sc       *sqlite.Conn
	cfg      *config
	meter    meterState
	boxes    boxes // the interface values of integer and float results
	readOnly bool  // a read-only transaction is open
	closed   bool
}

var (
	_ driver.Conn               = (*Conn)(nil)
	_ driver.ConnPrepareContext = (*Conn)(nil)
	_ driver.ExecerContext      = (*Conn)(nil)
	_ driver.QueryerContext     = (*Conn)(nil)
	_ driver.ConnBeginTx        = (*Conn)(nil)
	_ driver.Pinger             = (*Conn)(nil)
	_ driver.SessionResetter    = (*Conn)(nil)
	_ driver.Validator          = (*Conn)(nil)
	_ driver.NamedValueChecker  = (*Conn)(nil)
)

func newConn(ctx context.Context, cfg *config) (*Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := cfg.backend
	if b == nil {
		// A private in-memory database: the files SQLite names (temporary
		// files, attached databases) are ordinary files, as in any SQLite.
		f, err := backend.Lookup("file")
		if err == nil {
			b, err = f.New(nil)
		}
		if err != nil {
			return nil, err
		}
	}
	name, flags := cfg.name, cfg.flags
	if cfg.immutable {
		// immutable is a URI parameter of SQLite's own.
		name, flags = "file:"+uriPath(name)+"?immutable=1", flags|backend.OpenURI
	}
	sc, err := sqlite.Open(name, flags, sqlite.Config{Backend: b, MemoryLimit: cfg.memoryLimit, Metered: cfg.metered})
	if err != nil {
		return nil, fmt.Errorf("stablesqlite: opening %q: %w", cfg.name, err)
	}
	c := &Conn{sc: sc, cfg: cfg}
	sc.SetCallbackHandler(c.handle)
	if err := c.setup(ctx); err != nil {
		sc.Close()
		return nil, err
	}
	return c, nil
}

// setup applies the busy timeout and the configured pragmas.
func (c *Conn) setup(ctx context.Context) error {
	if err := c.sc.SetBusyTimeout(c.cfg.busyTimeout); err != nil {
		return err
	}
	pragmas := c.cfg.pragmas
	if d, ok := c.cfg.backend.(backend.PragmaDefaulter); ok {
		pragmas = append(d.DefaultPragmas(), pragmas...)
	}
	for _, p := range pragmas {
		if err := c.execSimple(ctx, p); err != nil {
			return fmt.Errorf("stablesqlite: %s: %w", p, err)
		}
	}
	return c.runConnectHooks()
}

// fail is the error the caller of a statement interrupted because ctx
// ended sees: the context's error.
func fail(ctx context.Context, err error) error {
	if sqlite.IsInterrupt(err) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (c *Conn) execSimple(ctx context.Context, sql string) error {
	stop := c.sc.Watch(ctx)
	defer stop()
	c.beginStatement()
	defer c.endStatement()
	return fail(ctx, c.sc.Exec(sql))
}

// Prepare implements driver.Conn.
func (c *Conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext implements driver.ConnPrepareContext. The text must hold
// exactly one statement.
func (c *Conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	stop := c.sc.Watch(ctx)
	defer stop()
	s, tail, err := c.prepare(ctx, query, true)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("stablesqlite: empty statement")
	}
	if !onlyTrivia(query[tail:]) {
		s.st.Close()
		return nil, errMultiple
	}
	return s, nil
}

var errMultiple = errors.New("stablesqlite: more than one statement; use Exec for several")

// onlyTrivia reports whether rest, what follows a statement, holds no other
// statement: only white space, semicolons and comments. It is a lexical
// check, so that the next statement is never compiled before the first one
// has run (it may depend on it).
func onlyTrivia(rest string) bool {
	for i := 0; i < len(rest); {
		switch {
		case rest[i] == ';' || rest[i] == ' ' || rest[i] == '\t' || rest[i] == '\n' || rest[i] == '\r' || rest[i] == '\f':
			i++
		case strings.HasPrefix(rest[i:], "--"):
			end := strings.IndexByte(rest[i:], '\n')
			if end < 0 {
				return true
			}
			i += end + 1
		case strings.HasPrefix(rest[i:], "/*"):
			end := strings.Index(rest[i+2:], "*/")
			if end < 0 {
				return true
			}
			i += 2 + end + 2
		default:
			return false
		}
	}
	return true
}

// prepare compiles the first statement of query; it returns nil when there
// is none, and the offset of the rest.
func (c *Conn) prepare(ctx context.Context, query string, persistent bool) (*Stmt, int, error) {
	st, tail, err := c.sc.Prepare(query, persistent)
	if err != nil || st == nil {
		return nil, tail, fail(ctx, err)
	}
	return &Stmt{c: c, text: query[:tail], st: st}, tail, nil
}

// ExecContext implements driver.ExecerContext. The text may hold several
// statements; positional arguments are taken by each statement in turn and
// named arguments go to every statement that names them.
func (c *Conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	stop := c.sc.Watch(ctx)
	defer stop()
	c.beginStatement()
	defer c.endStatement()
	s, tail, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	var res result
	used := 0
	named := namedSet(args)
	for s != nil {
		n, err := s.bind(args, used, named)
		if err == nil {
			used += n
			res, err = s.exec(ctx)
		}
		s.release()
		if err != nil {
			return nil, err
		}
		if query = query[tail:]; onlyTrivia(query) {
			break
		}
		if s, tail, err = c.prepare(ctx, query, false); err != nil {
			return nil, err
		}
	}
	if err := checkAllUsed(args, used, named); err != nil {
		return nil, err
	}
	return res, nil
}

// QueryContext implements driver.QueryerContext.
func (c *Conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	stop := c.sc.Watch(ctx)
	defer stop()
	c.beginStatement() // it ends when its rows close
	s, tail, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("stablesqlite: empty query")
	}
	if !onlyTrivia(query[tail:]) {
		s.release()
		return nil, errMultiple
	}
	s.ownedByRows = !s.cached
	return s.query(ctx, args)
}

// stmtCacheSize is how many statements a connection keeps prepared for
// QueryContext and ExecContext, so that running the same text again skips
// SQLite's parser.
const stmtCacheSize = 32

// stmtCache holds a connection's prepared statements by text.
type stmtCache struct {
	byText map[string]*Stmt
	order  []string // oldest first
}

// statement returns the first statement of query (nil if there is none)
// and the offset of the rest. A text that is one statement is served from
// the connection's cache, or prepared and cached; anything else is prepared
// for one use, and the caller finalizes it (see Stmt.release).
func (c *Conn) statement(ctx context.Context, query string) (*Stmt, int, error) {
	if s := c.cache.byText[query]; s != nil && s.rows == nil {
		return s, len(query), nil
	}
	s, tail, err := c.prepare(ctx, query, true)
	if err != nil || s == nil || !onlyTrivia(query[tail:]) || c.cache.byText[query] != nil {
		return s, tail, err // several statements, or the cached one is busy
	}
	if c.cache.byText == nil {
		c.cache.byText = map[string]*Stmt{}
	}
	if len(c.cache.order) == stmtCacheSize {
		c.evictOldest()
	}
	s.cached = true
	c.cache.byText[query] = s
	c.cache.order = append(c.cache.order, query)
	return s, tail, nil
}

// evictOldest finalizes the oldest cached statement that is not in use (a
// busy one leaves the cache and is finalized when its rows close).
func (c *Conn) evictOldest() {
	q := c.cache.order[0]
	c.cache.order = c.cache.order[1:]
	s := c.cache.byText[q]
	delete(c.cache.byText, q)
	s.cached = false
	if s.rows != nil {
		s.ownedByRows = true
		return
	}
	s.release()
}

// release gives back a statement its caller is done with: a cached one stays
// cached, any other is finalized.
func (s *Stmt) release() {
	if !s.cached {
		s.closed = true
		s.st.Close()
	}
}

// check refuses work on a closed or broken connection or an ended context.
func (c *Conn) check(ctx context.Context) error {
	if !c.IsValid() {
		return driver.ErrBadConn
	}
	return ctx.Err()
}

// Begin implements driver.Conn.
func (c *Conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx implements driver.ConnBeginTx. Isolation is always SQLite's
// serializable; a read-only transaction refuses writes (PRAGMA query_only).
func (c *Conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	switch opts.Isolation {
	case driver.IsolationLevel(0), driver.IsolationLevel(8): // default, serializable
	default:
		return nil, fmt.Errorf("stablesqlite: isolation level %d is not supported; SQLite transactions are serializable", opts.Isolation)
	}
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	mode := c.cfg.txlock
	if opts.ReadOnly {
		mode = "DEFERRED"
	}
	c.beginTransaction()
	if err := c.execSimple(ctx, "BEGIN "+mode); err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		if err := c.execSimple(ctx, "PRAGMA query_only=1"); err != nil {
			c.execSimple(context.Background(), "ROLLBACK")
			return nil, err
		}
		c.readOnly = true
	}
	return tx{c}, nil
}

type tx struct{ c *Conn }

// Commit commits; if COMMIT fails (a busy database, a deferred constraint),
// the transaction is rolled back so that the connection is clean again.
func (t tx) Commit() error {
	defer t.c.endTransaction()
	defer t.c.endReadOnly()
	err := t.c.execSimple(context.Background(), "COMMIT")
	if err != nil && !t.c.sc.Autocommit() {
		t.c.execSimple(context.Background(), "ROLLBACK")
	}
	return err
}

func (t tx) Rollback() error {
	defer t.c.endTransaction()
	defer t.c.endReadOnly()
	if t.c.sc.Autocommit() {
		return nil // SQLite already rolled back (after an error that ends it)
	}
	return t.c.execSimple(context.Background(), "ROLLBACK")
}

func (c *Conn) endReadOnly() {
	if c.readOnly {
		c.readOnly = false
		c.execSimple(context.Background(), "PRAGMA query_only=0")
	}
}

// Close implements driver.Conn.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	if c.sc.Broken() == nil {
		for _, s := range c.cache.byText {
			s.st.Close()
		}
	}
	return c.sc.Close()
}

// Ping implements driver.Pinger.
func (c *Conn) Ping(ctx context.Context) error { return c.check(ctx) }

// ResetSession implements driver.SessionResetter: a broken connection is
// dropped from the pool. A transaction begun with a plain "BEGIN" statement
// is left alone, as the other drivers do, for pools of one connection.
func (c *Conn) ResetSession(ctx context.Context) error {
	if !c.IsValid() {
		return driver.ErrBadConn
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *Conn) IsValid() bool { return !c.closed && c.sc.Broken() == nil }

// Complete reports whether sql ends with a complete SQL statement
// (sqlite3_complete): a shell uses it to know when to run what was typed.
func (c *Conn) Complete(sql string) (bool, error) {
	return c.sc.Complete(sql)
}

// Backend returns the storage backend of the connection.
func (c *Conn) Backend() backend.Backend { return c.sc.Backend() }

// InTransaction reports whether the connection is inside an explicit
// transaction.
func (c *Conn) InTransaction() bool { return !c.sc.Autocommit() }

type result struct{ lastID, changes int64 }

func (r result) LastInsertId() (int64, error) { return r.lastID, nil }
func (r result) RowsAffected() (int64, error) { return r.changes, nil }
