package shell

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/stablesqlite/stablesqlite/driver"
)

// shell is one session: a database connection, the output settings and
// the state of the input being read.
type shell struct {
	db       *sql.DB
	conn     *sql.Conn // one connection, so temp tables and pragmas persist
	dsn      string    // what was opened, for .databases and .show
	readOnly bool

	stdout  *bufio.Writer
	stderr  io.Writer
	out     io.Writer // stdout, or the file of .output / .once
	outFile *os.File
	once    bool // outFile is closed after the next statement

	mode          outputMode
	headersForced bool // -header/-noheader or .headers given: modes keep it
	bail          bool
	echo          bool
	timer         bool
	meter         bool // print each statement's instructions (.meter)
	metered       bool // open databases with the metered module (-meter)
	changes       bool
	interactive   bool
	readDepth     int // .read files being read

	mu     sync.Mutex
	cancel context.CancelFunc // stops the statement running now, if any
}

func newShell(stdout, stderr io.Writer) *shell {
	sh := &shell{stdout: bufio.NewWriterSize(stdout, 64<<10), stderr: stderr}
	sh.out = sh.stdout
	sh.mode.setMode("list", "")
	return sh
}

// dsnFor turns what the user typed (a path, :memory:, or one of the
// driver's DSNs) into the DSN to open, read-only if asked.
func dsnFor(name string, readOnly bool) string {
	if name == "" {
		name = ":memory:"
	}
	if !readOnly || name == ":memory:" {
		return name
	}
	if !strings.HasPrefix(name, "file:") {
		name = "file:" + name
	}
	if strings.Contains(name, "?") {
		return name + "&mode=ro"
	}
	return name + "?mode=ro"
}

// openDB opens a pool of raw-valued connections to dsn: the shell prints
// values as SQLite stores them, not as the driver's time.Time or bool.
func openDB(dsn string, opts ...driver.Option) (*sql.DB, error) {
	c, err := driver.NewConnector(dsn, append(opts, driver.WithRawValues())...)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// open makes dsn the shell's database, closing the one before.
func (sh *shell) open(ctx context.Context, name string, readOnly bool) error {
	dsn := dsnFor(name, readOnly)
	var opts []driver.Option
	if sh.metered {
		opts = append(opts, driver.WithMetering(0))
	}
	db, err := openDB(dsn, opts...)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		err = conn.PingContext(ctx)
	}
	if err != nil {
		db.Close()
		return err
	}
	sh.closeDB()
	sh.db, sh.conn, sh.dsn, sh.readOnly = db, conn, name, readOnly
	return nil
}

func (sh *shell) closeDB() {
	if sh.conn != nil {
		sh.conn.Close()
		sh.db.Close()
		sh.conn, sh.db = nil, nil
	}
}

// close ends the session: the database, an open output file, buffered
// output.
func (sh *shell) close() {
	sh.closeDB()
	sh.setOutput(nil, false)
	sh.stdout.Flush()
}

// setOutput sends results to f (nil: standard output), for the next
// statement only if once.
func (sh *shell) setOutput(f *os.File, once bool) {
	if sh.outFile != nil {
		sh.outFile.Close()
	}
	sh.outFile, sh.once = f, once
	if f == nil {
		sh.out = sh.stdout
	} else {
		sh.out = f
	}
}

// endStatement closes a .once file after the statement it was for.
func (sh *shell) endStatement() {
	if sh.once {
		sh.setOutput(nil, false)
	}
}

// flush writes buffered standard output (before a prompt, on exit).
func (sh *shell) flush() { sh.stdout.Flush() }

// errorf reports an error on standard error, after pending output.
func (sh *shell) errorf(format string, args ...any) {
	sh.flush()
	fmt.Fprintf(sh.stderr, format, args...)
}

// run executes query on the shell's connection and calls fn for each row
// (raw values); it is for the shell's own queries, not the user's.
func (sh *shell) run(ctx context.Context, query string, fn func(vals []any) error, args ...any) error {
	rows, err := sh.conn.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, func(_ []string, vals []any) error { return fn(vals) })
}

// eachRow calls fn with the column names and the values of each row of
// rows, as stored (the values are reused from row to row).
func eachRow(rows *sql.Rows, fn func(cols []string, vals []any) error) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// strings1 runs a query of one column and returns its values as text.
func (sh *shell) strings1(ctx context.Context, query string, args ...any) ([]string, error) {
	var out []string
	err := sh.run(ctx, query, func(v []any) error {
		out = append(out, plainText(v[0], ""))
		return nil
	}, args...)
	return out, err
}

// startStatement returns a context for a statement that Ctrl-C cancels.
func (sh *shell) startStatement(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	sh.mu.Lock()
	sh.cancel = cancel
	sh.mu.Unlock()
	return ctx, func() {
		sh.mu.Lock()
		sh.cancel = nil
		sh.mu.Unlock()
		cancel()
	}
}

// interrupt cancels the running statement; it reports whether there was
// one.
func (sh *shell) interrupt() bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.cancel == nil {
		return false
	}
	sh.cancel()
	return true
}

// errQuit ends the input (.quit, .exit); exitError carries .exit's code.
var errQuit = errors.New("quit")

type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }
