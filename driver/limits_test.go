package driver_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	osexec "os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"

	"github.com/stablesqlite/stablesqlite/driver"
)

// nativeResult runs q in the native shell on a new in-memory database
// (after setup) and returns what it printed: the value, or the error
// message.
func nativeResult(t *testing.T, cli, setup, q string) (string, bool) {
	t.Helper()
	cmd := osexec.Command(cli, "-batch", ":memory:")
	cmd.Stdin = strings.NewReader(setup + "\n" + q + ";\n")
	out, err := cmd.CombinedOutput()
	text := strings.TrimSpace(string(out))
	if err != nil || strings.Contains(text, "Error") {
		// "Parse error near line 2: MESSAGE" or "Runtime error ...: MESSAGE".
		if i := strings.Index(text, ": "); i >= 0 {
			text = text[i+2:]
		}
		text, _, _ = strings.Cut(text, "\n")
		return text, false
	}
	return text, true
}

// Every limit SQLite enforces is enforced here with SQLite's own error, and
// the connection goes on: nothing the guest is asked to do traps it (the
// build once set SQLITE_MAX_EXPR_DEPTH=0, and a 3,000-term expression
// overflowed the guest's stack). Where both succeed the answer is the
// native shell's; where 3.54 fails where Debian's 3.40 does not, or the
// other way round (3.40's parser stack is fixed where 3.54's grows, 3.54
// checks JSON depth and nested CASE recursion, and Debian builds with more
// variables), wantErr says what 3.54 answers.
func TestLimitsAsNative(t *testing.T) {
	cli := sqlite3cli.Path(t)
	terms := func(n int, sep, term string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = strings.ReplaceAll(term, "#", fmt.Sprint(i))
		}
		return strings.Join(parts, sep)
	}
	nested := func(n int, open, inner, close string) string {
		return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
	}
	cols := func(n int) string { return terms(n, ", ", "c#") }
	cases := []struct {
		name, setup, q string
	}{
		{"expression depth 999", "", "select " + terms(999, "+", "1")},
		{"expression depth 3000", "", "select " + terms(3000, "+", "1")},
		{"nested parentheses", "", "select " + nested(1500, "(", "1", ")")},
		{"nested subqueries", "", "select " + nested(200, "(select ", "1", ")")},
		{"compound select 500", "", terms(500, " union all ", "select #")},
		{"compound select 501", "", terms(501, " union all ", "select #")},
		{"function arguments 127", "", "select max(" + terms(127, ",", "#") + ")"},
		{"function arguments 1001", "", "select max(" + terms(1001, ",", "#") + ")"},
		{"LIKE pattern 50000", "", "select 'a' like '" + strings.Repeat("%a", 25000) + "'"},
		{"LIKE pattern 50001", "", "select 'a' like '" + strings.Repeat("%", 50001) + "'"},
		{"LIKE many percents", "", "select '" + strings.Repeat("a", 3000) + "b' like '" + strings.Repeat("%a", 2000) + "c'"},
		{"columns 2000", "create table t(" + cols(2000) + ");", "select count(*) from t"},
		{"columns 2001", "", "create table t(" + cols(2001) + ")"},
		{"join of 64 tables", "create table t(x);", "select count(*) from " + terms(64, ", ", "t as t#")},
		{"join of 65 tables", "create table t(x);", "select count(*) from " + terms(65, ", ", "t as t#")},
		{"variable 32767", "", "select ?32767"},
		{"json depth 1000", "", "select json_valid('" + nested(1000, "[", "1", "]") + "')"},
		{"json depth 1001", "", "select json_valid('" + nested(1001, "[", "1", "]") + "')"},
		{"json depth 5000", "", "select json('" + nested(5000, "[", "", "]") + "')"},
		{"recursive triggers", "create table t(x); create trigger tr after insert on t when new.x < 2000 begin insert into t values (new.x+1); end; pragma recursive_triggers=1;",
			"insert into t values (1)"},
		{"trigger depth 999", "create table t(x); create trigger tr after insert on t when new.x < 999 begin insert into t values (new.x+1); end; pragma recursive_triggers=1; insert into t values (1);",
			"select count(*) from t"},
		{"nested views", "create view v0 as select 1 as x; " + terms(100, " ", "create view v#x as select x from v#;") + ";",
			"select 1"},
		{"recursive CTE depth", "", "with recursive c(x) as (select 1 union all select x+1 from c limit 100000) select max(x) from c"},
		{"printf width", "", "select length(printf('%*d', 100000000, 1))"},
		{"long string", "", "select length(zeroblob(1000000001))"},
		{"deep case", "", "select " + nested(900, "case when 1 then ", "1", " end")},
	}
	// The errors SQLite 3.54 gives where it is sure to fail.
	wantErrs := map[string]string{
		"expression depth 3000":   "Expression tree is too large (maximum depth 1000)",
		"compound select 501":     "too many terms in compound SELECT",
		"function arguments 1001": "too many arguments on function max",
		"LIKE pattern 50001":      "LIKE or GLOB pattern too complex",
		"columns 2001":            "too many columns on t",
		"join of 65 tables":       "at most 64 tables in a join",
		"variable 32767":          "variable number must be between ?1 and ?32766",
		"long string":             "string or blob too big",
	}
	// Where SQLite 3.54 answers otherwise than Debian's 3.40: JSON nested
	// deeper than 1,000 levels is invalid since 3.45.
	newer := map[string]bool{"json depth 1001": true}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr := wantErrs[tc.name]
			want, wantOK := nativeResult(t, cli, tc.setup, tc.q)
			db := open(t, ":memory:")
			db.SetMaxOpenConns(1)
			if tc.setup != "" {
				if _, err := db.Exec(tc.setup); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			var got string
			var v any
			err := db.QueryRow(tc.q).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				err = nil
			}
			if v != nil {
				got = fmt.Sprint(v)
			}
			want, _, _ = strings.Cut(want, "\n")
			var e *driver.Error
			switch {
			case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
				t.Fatalf("got %v, want the error %q", err, wantErr)
			case err != nil && !errors.As(err, &e):
				t.Fatalf("not SQLite's own error: %v", err)
			case err == nil && wantOK && got != want && !newer[tc.name]:
				t.Fatalf("got %.60q; native sqlite3 answers %.60q", got, want)
			}
			t.Logf("here: %.60q %v; native sqlite3 3.40: %.60q", got, err, want)
			var n int
			if err := db.QueryRow("select 41 + 1").Scan(&n); err != nil || n != 42 {
				t.Fatalf("the connection after it: %d, %v", n, err)
			}
		})
	}
}

// countingConnector opens connections of dsn and counts them.
func countingConnector(t *testing.T, dsn string, opens *atomic.Int32, opts ...driver.Option) *sql.DB {
	t.Helper()
	opts = append(opts, driver.WithConnectHook(func(*driver.Conn) error { opens.Add(1); return nil }))
	c, err := driver.NewConnector(dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

// A value larger than the connection's memory is SQLite's NOMEM (when the
// host stages it, or when SQLite copies it), the connection goes on, and
// database/sql does not run the statement again on other connections (it
// would, for driver.ErrBadConn).
func TestOutOfMemoryIsNoMem(t *testing.T) {
	var opens atomic.Int32
	db := countingConnector(t, ":memory:", &opens, driver.WithMemoryLimit(4<<20))
	db.SetMaxOpenConns(1)
	big := strings.Repeat("x", 32<<20)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"select length(?)", []any{big}},
		{"select length(?)", []any{[]byte(big)}},
		{"select length(randomblob(8000000))", nil},
		{"select length(" + "'" + strings.Repeat("y", 6<<20) + "')", nil},
	} {
		var n int
		err := db.QueryRowContext(context.Background(), q.sql, q.args...).Scan(&n)
		if !errors.Is(err, driver.ErrNoMem) && !errors.Is(err, driver.ErrTooBig) {
			t.Fatalf("%.40s: %v, want SQLITE_NOMEM", q.sql, err)
		}
		if errors.Is(err, sqldriver.ErrBadConn) {
			t.Fatalf("%.40s: driver.ErrBadConn for a statement that can run again on this connection", q.sql)
		}
		if err := db.QueryRow("select 40 + 2").Scan(&n); err != nil || n != 42 {
			t.Fatalf("after NOMEM: %d, %v", n, err)
		}
	}
	if n := opens.Load(); n != 1 {
		t.Fatalf("%d connections were opened: a statement was retried elsewhere", n)
	}
}
