package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/internal/guest"
	"github.com/stablesqlite/stablesqlite/internal/sqlite"
)

// DriverName is the name the driver registers with database/sql.
const DriverName = "stablesqlite"

func init() { sql.Register(DriverName, &Driver{}) }

// Driver implements driver.Driver and driver.DriverContext.
type Driver struct{}

// Open opens a connection to dsn.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses dsn once for all the connections of a pool.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	return NewConnector(dsn)
}

// Connector opens connections with one configuration; use it with
// sql.OpenDB.
type Connector struct{ cfg *config }

// Option adjusts a Connector.
type Option func(*config) error

// WithBackend stores the database called name in b, instead of the file
// and backend the DSN names: the DSN's other parameters still apply (pass
// "" when it has none).
func WithBackend(b backend.Backend, name string) Option {
	return func(c *config) error {
		if b == nil || name == "" {
			return errors.New("stablesqlite: WithBackend needs a backend and a name")
		}
		c.backend, c.name = b, name
		return nil
	}
}

// WithPragma runs "PRAGMA " + pragma on every new connection, after the
// DSN's pragmas; for example WithPragma("journal_mode=WAL").
func WithPragma(pragma string) Option {
	return func(c *config) error {
		stmt, err := pragmaStatement(pragma)
		if err == nil {
			c.pragmas = append(c.pragmas, stmt)
		}
		return err
	}
}

// WithMemoryLimit caps each connection's Wasm memory, in bytes.
func WithMemoryLimit(bytes int64) Option {
	return func(c *config) error {
		if bytes < 1<<20 {
			return fmt.Errorf("stablesqlite: memory limit %d is below 1 MiB", bytes)
		}
		c.memoryLimit = bytes
		return nil
	}
}

// WithRawValues makes columns scan as SQLite stores them: INTEGER as
// int64, REAL as float64, TEXT as string, BLOB as []byte, whatever their
// declared type (no time.Time for DATETIME columns, no bool for BOOLEAN
// ones). A shell or a dump tool wants the values as stored.
func WithRawValues() Option {
	return func(c *config) error {
		c.rawValues = true
		return nil
	}
}

// WithMetering runs the metered module: every connection counts the
// instructions SQLite executes, as the Internet Computer counts a
// canister's (Conn.Instructions, and with the stable backend its Stats per
// message), and a statement that passes limit instructions (0: the
// platform's 40 billion of an update message) stops with an error wrapping
// ErrBudget. The metered module runs some 25 % slower
// (13 to 38 % on the benchmark's workloads: backend/stable/README.md).
func WithMetering(limit uint64) Option {
	return func(c *config) error {
		c.metered, c.instructionLimit = true, limit // 0: NewConnector's default
		return nil
	}
}

// DefaultInstructionLimit is a statement's budget with metering: the
// Internet Computer's limit for an update message.
const DefaultInstructionLimit = 40_000_000_000

// ErrBudget is wrapped by the error of a statement that ran out of
// instructions (with metering): its own budget, or its message's.
var ErrBudget = sqlite.ErrBudget

// WithConnectHook runs hook on every new connection of the Connector, after
// its pragmas (to add functions, collations or hooks).
func WithConnectHook(hook func(*Conn) error) Option {
	return func(c *config) error {
		c.connectHooks = append(c.connectHooks, hook)
		return nil
	}
}

// WithBusyTimeout sets how long a connection waits for a lock.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) error {
		c.busyTimeout = max(d, 0)
		return nil
	}
}

// WithTxLock sets the mode of the BEGIN that starts a transaction:
// "deferred", "immediate" or "exclusive".
func WithTxLock(mode string) Option {
	return func(c *config) error {
		switch m := strings.ToUpper(mode); m {
		case "DEFERRED", "IMMEDIATE", "EXCLUSIVE":
			c.txlock = m
			return nil
		}
		return fmt.Errorf("stablesqlite: transaction lock mode %q: want deferred, immediate or exclusive", mode)
	}
}

// NewConnector parses dsn and applies opts.
func NewConnector(dsn string, opts ...Option) (*Connector, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.metered && cfg.instructionLimit == 0 {
		cfg.instructionLimit = DefaultInstructionLimit
	}
	// Compiled code is made ready in the background from now on, so that
	// the first connection finds it (or finds it nearer).
	guest.Start()
	return &Connector{cfg: cfg}, nil
}

// Connect opens a new connection.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	return newConn(ctx, c.cfg)
}

// Driver returns the driver.
func (c *Connector) Driver() driver.Driver { return &Driver{} }

// Close is called by sql.DB's Close. In a process that compiled the Wasm
// module (the first on a machine, where no compiled code is shipped for
// it), it waits for the compiled code to reach the on-disk cache (at most
// the second or so the compiler takes), so that a program that exits right
// after closing its database leaves the next one a warm start.
func (c *Connector) Close() error { return guest.Keep(context.Background()) }
