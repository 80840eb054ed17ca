// Package workload holds the benchmarks that every driver runs, through
// database/sql only, so that the numbers compare drivers and nothing else.
// Each driver package (bench/mattn, bench/modernc, bench/ours,
// bench/ncruces032, bench/ncruces035) describes its driver with a Driver and
// calls Run from its one top-level benchmark and Child from TestChild.
package workload

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Opener returns a pool on the database at path, configured by Open (WAL,
// synchronous=NORMAL, a busy timeout). In-memory backends derive the
// database's name from path. The pool is closed when tb's test ends.
type Opener func(tb testing.TB, path string) *sql.DB

// Pragma is one PRAGMA run on every new connection: PRAGMA Name=Value.
// Want is what "PRAGMA Name" answers afterwards (Check compares it).
type Pragma struct{ Name, Value, Want string }

// DefaultPragmas are run, in this order, on every connection of every
// driver: the busy timeout first (the journal-mode switch may need a lock).
var DefaultPragmas = []Pragma{
	{"busy_timeout", "5000", "5000"},
	{"journal_mode", "WAL", "wal"},
	{"synchronous", "NORMAL", "1"},
}

// Open opens driverName's database dsn and returns a pool whose every new
// connection runs pragmas (DefaultPragmas if none are given) right after the
// driver opens it. The statements are executed through the driver's own
// connection (driver.ExecerContext), so each driver is configured by the
// same SQL in the same order, whatever its DSN syntax for pragmas; the DSN
// itself carries none. The pool is closed when tb's test ends.
func Open(tb testing.TB, driverName, dsn string, pragmas ...Pragma) *sql.DB {
	tb.Helper()
	probe, err := sql.Open(driverName, dsn)
	if err != nil {
		tb.Fatalf("open %s %q: %v", driverName, dsn, err)
	}
	drv := probe.Driver()
	probe.Close()
	var inner driver.Connector
	if dc, ok := drv.(driver.DriverContext); ok {
		if inner, err = dc.OpenConnector(dsn); err != nil {
			tb.Fatalf("open %s %q: %v", driverName, dsn, err)
		}
	} else {
		inner = dsnConnector{drv, dsn}
	}
	if len(pragmas) == 0 {
		pragmas = DefaultPragmas
	}
	db := sql.OpenDB(&pragmaConnector{inner: inner, pragmas: pragmas})
	tb.Cleanup(func() { db.Close() })
	return db
}

// Check verifies, on one connection of db, that the pragmas took effect.
func Check(tb testing.TB, db *sql.DB, pragmas ...Pragma) {
	tb.Helper()
	if len(pragmas) == 0 {
		pragmas = DefaultPragmas
	}
	for _, p := range pragmas {
		var got string
		if err := db.QueryRow("PRAGMA " + p.Name).Scan(&got); err != nil {
			tb.Fatalf("PRAGMA %s: %v", p.Name, err)
		}
		if !strings.EqualFold(got, p.Want) {
			tb.Fatalf("PRAGMA %s = %q, want %q", p.Name, got, p.Want)
		}
	}
}

// pragmaConnector runs the pragmas on each connection its inner connector
// opens and hands database/sql the driver's own connection, so every
// optional interface of the driver stays visible.
type pragmaConnector struct {
	inner   driver.Connector
	pragmas []Pragma
}

func (c *pragmaConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range c.pragmas {
		if err := execRaw(ctx, conn, "PRAGMA "+p.Name+"="+p.Value); err != nil {
			conn.Close()
			return nil, fmt.Errorf("PRAGMA %s=%s: %w", p.Name, p.Value, err)
		}
	}
	return conn, nil
}

func (c *pragmaConnector) Driver() driver.Driver { return c.inner.Driver() }

// Close closes the inner connector if it holds resources (sql.DB.Close
// calls it).
func (c *pragmaConnector) Close() error {
	if cl, ok := c.inner.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

func execRaw(ctx context.Context, conn driver.Conn, query string) error {
	if ex, ok := conn.(driver.ExecerContext); ok {
		_, err := ex.ExecContext(ctx, query, nil)
		if !errors.Is(err, driver.ErrSkip) {
			return err
		}
	}
	st, err := conn.Prepare(query)
	if err != nil {
		return err
	}
	defer st.Close()
	if sc, ok := st.(driver.StmtExecContext); ok {
		_, err = sc.ExecContext(ctx, nil)
	} else {
		_, err = st.Exec(nil) //nolint:staticcheck // drivers without StmtExecContext
	}
	return err
}

// dsnConnector is the connector of a driver without driver.DriverContext.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }
