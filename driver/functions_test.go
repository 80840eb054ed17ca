package driver_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/driver"
)

// withConn runs f on the driver connection of a fresh single-connection pool.
func rawConn(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func onConn(t *testing.T, conn *sql.Conn, f func(*driver.Conn) error) {
	t.Helper()
	if err := conn.Raw(func(dc any) error { return f(dc.(*driver.Conn)) }); err != nil {
		t.Fatal(err)
	}
}

type sumAgg struct{ n int64 }

func (s *sumAgg) Step(args []any) error {
	v, ok := args[0].(int64)
	if !ok {
		return fmt.Errorf("mysum wants integers, got %T", args[0])
	}
	s.n += v
	return nil
}
func (s *sumAgg) Value() (any, error)      { return s.n, nil }
func (s *sumAgg) Inverse(args []any) error { s.n -= args[0].(int64); return nil }

func TestGoFunctions(t *testing.T) {
	ctx := context.Background()
	conn := rawConn(t, open(t, ":memory:"))
	onConn(t, conn, func(c *driver.Conn) error {
		return errors.Join(
			c.CreateFunction("twice", 1, driver.Deterministic, func(args []any) (any, error) {
				switch v := args[0].(type) {
				case int64:
					return 2 * v, nil
				case float64:
					return 2 * v, nil
				case string:
					return v + v, nil
				case []byte:
					return append(v, v...), nil
				}
				return nil, nil
			}),
			c.CreateFunction("fails", 0, 0, func([]any) (any, error) { return nil, errors.New("it failed") }),
			c.CreateFunction("panics", 0, 0, func([]any) (any, error) { panic("boom") }),
			c.CreateFunction("nargs", -1, 0, func(args []any) (any, error) { return len(args), nil }),
			c.CreateAggregate("mysum", 1, 0, func() driver.AggregateFunc { return &sumAgg{} }),
			c.CreateWindow("wsum", 1, 0, func() driver.WindowFunc { return &sumAgg{} }),
			c.CreateCollation("reverse", func(a, b string) int { return strings.Compare(b, a) }),
		)
	})
	var i, n int64
	var f float64
	var s string
	var b []byte
	err := conn.QueryRowContext(ctx, "select twice(21), twice(1.25), twice('ab'), twice(x'0102'), nargs(1, 2, 3)").Scan(&i, &f, &s, &b, &n)
	if err != nil || i != 42 || f != 2.5 || s != "abab" || !bytes.Equal(b, []byte{1, 2, 1, 2}) || n != 3 {
		t.Fatalf("scalars: %d %v %q %v %d, %v", i, f, s, b, n, err)
	}
	var null sql.NullInt64
	if err := conn.QueryRowContext(ctx, "select twice(null)").Scan(&null); err != nil || null.Valid {
		t.Fatalf("NULL: %v, %v", null, err)
	}
	// An error and a panic become the statement's error; the connection goes on.
	if err := conn.QueryRowContext(ctx, "select fails()").Scan(&i); err == nil || !strings.Contains(err.Error(), "it failed") {
		t.Fatalf("error: %v", err)
	}
	if err := conn.QueryRowContext(ctx, "select panics()").Scan(&i); err == nil || !strings.Contains(err.Error(), "panic") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("panic: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "create table t(g, v, name)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "insert into t values (1, 1, 'a'), (1, 2, 'c'), (2, 10, 'b'), (2, 20, 'd'), (2, 30, 'e')"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, "select g, mysum(v) from t group by g order by g")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var g, sum int64
		rows.Scan(&g, &sum)
		got = append(got, fmt.Sprint(g, ":", sum))
	}
	rows.Close()
	if strings.Join(got, " ") != "1:3 2:60" {
		t.Fatalf("aggregate: %v", got)
	}
	if err := conn.QueryRowContext(ctx, "select mysum(v) from t where 0").Scan(&i); err != nil || i != 0 {
		t.Fatalf("aggregate over no rows: %d, %v", i, err)
	}
	if err := conn.QueryRowContext(ctx, "select mysum(name) from t").Scan(&i); err == nil || !strings.Contains(err.Error(), "wants integers") {
		t.Fatalf("aggregate error: %v", err)
	}
	rows, err = conn.QueryContext(ctx, "select wsum(v) over (order by v rows between 1 preceding and current row) from t order by v")
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for rows.Next() {
		rows.Scan(&i)
		got = append(got, fmt.Sprint(i))
	}
	rows.Close()
	if strings.Join(got, ",") != "1,3,12,30,50" {
		t.Fatalf("window: %v", got)
	}
	if err := conn.QueryRowContext(ctx, "select group_concat(name, '') from (select name from t order by name collate reverse)").Scan(&s); err != nil || s != "edcba" {
		t.Fatalf("collation: %q, %v", s, err)
	}
}

func TestRegisteredFunctionAndHooks(t *testing.T) {
	driver.RegisterFunction("stablesqlite_test_answer", 0, driver.Deterministic, func([]any) (any, error) { return 42, nil })
	ctx := context.Background()
	db := open(t, "file:"+heapName(t)+"?vfs=heap")
	var n int
	if err := db.QueryRow("select stablesqlite_test_answer()").Scan(&n); err != nil || n != 42 {
		t.Fatalf("registered function: %d, %v", n, err)
	}
	conn := rawConn(t, db)
	var commits, rollbacks int
	var updates []string
	veto := false
	onConn(t, conn, func(c *driver.Conn) error {
		return errors.Join(
			c.SetCommitHook(func() bool { commits++; return veto }),
			c.SetRollbackHook(func() { rollbacks++ }),
			c.SetUpdateHook(func(op driver.UpdateOp, db, table string, rowid int64) {
				updates = append(updates, fmt.Sprint(op, db, table, rowid))
			}),
		)
	})
	for _, q := range []string{"create table t(x)", "insert into t values (1)", "update t set x = 2", "delete from t where x = 2"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		fmt.Sprint(driver.OpInsert, "main", "t", 1),
		fmt.Sprint(driver.OpUpdate, "main", "t", 1),
		fmt.Sprint(driver.OpDelete, "main", "t", 1),
	}
	if strings.Join(updates, ";") != strings.Join(want, ";") || commits != 4 {
		t.Fatalf("updates %v, commits %d", updates, commits)
	}
	veto = true
	if _, err := conn.ExecContext(ctx, "insert into t values (3)"); !errors.Is(err, driver.ErrConstraint) {
		t.Fatalf("vetoed commit: %v", err)
	}
	if rollbacks == 0 {
		t.Fatal("no rollback reported")
	}
	veto = false
	if err := conn.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 0 {
		t.Fatalf("after the vetoed commit: %d rows, %v", n, err)
	}
}

func TestSerializeDeserialize(t *testing.T) {
	ctx := context.Background()
	src := rawConn(t, open(t, ":memory:"))
	src.ExecContext(ctx, "create table t(x); insert into t values (1), (2), (3)")
	image, err := driver.Serialize(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := rawConn(t, open(t, filepath.Join(t.TempDir(), "d.db")))
	if err := driver.Deserialize(dst, image); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := dst.QueryRowContext(ctx, "select sum(x) from t").Scan(&n); err != nil || n != 6 {
		t.Fatalf("deserialized: %d, %v", n, err)
	}
	if err := driver.Deserialize(dst, []byte("garbage")); err == nil {
		t.Fatal("garbage deserialized")
	}
}

func TestBlobIO(t *testing.T) {
	ctx := context.Background()
	conn := rawConn(t, open(t, ":memory:"))
	conn.ExecContext(ctx, "create table t(id integer primary key, b blob); insert into t values (1, zeroblob(100000)), (2, x'00112233')")
	blob, err := driver.OpenBlob(conn, "t", "b", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if blob.Size() != 100000 {
		t.Fatalf("size %d", blob.Size())
	}
	if _, err := blob.WriteAt([]byte("hello"), 99995); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.WriteAt([]byte("too far"), 99999); err == nil {
		t.Fatal("wrote past the end of a blob")
	}
	got, err := io.ReadAll(io.NewSectionReader(blob, 99990, 10))
	if err != nil || string(got) != "\x00\x00\x00\x00\x00hello" {
		t.Fatalf("read back %q, %v", got, err)
	}
	if err := blob.Reopen(2); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 10)
	if n, err := blob.ReadAt(p, 0); n != 4 || err != io.EOF || !bytes.Equal(p[:4], []byte{0, 0x11, 0x22, 0x33}) {
		t.Fatalf("row 2: %d, %v, %x", n, err, p)
	}
	if err := blob.Close(); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := conn.QueryRowContext(ctx, "select cast(substr(b, 99996) as text) from t where id = 1").Scan(&s); err != nil || s != "hello" {
		t.Fatalf("in the table: %q, %v", s, err)
	}
}

// The online backup copies between any two backends.
func TestBackupAcrossBackends(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsns := []string{
		":memory:",
		filepath.Join(dir, "a.db"),
		"file:" + heapName(t) + "?vfs=heap",
		"file:main.db?vfs=stable&memory=" + uniqueName(t),
		filepath.Join(dir, "b.db") + "?_pragma=journal_mode(WAL)",
	}
	src := rawConn(t, open(t, dsns[0]))
	if _, err := src.ExecContext(ctx, `create table t(id integer primary key, v); insert into t(v)
		with recursive c(x) as (select 1 union all select x+1 from c where x < 5000) select randomblob(100) from c`); err != nil {
		t.Fatal(err)
	}
	content := func(c *sql.Conn) string {
		var s string
		if err := c.QueryRowContext(ctx, "select group_concat(hex(v), '') from (select v from t order by id)").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	want := content(src)
	// A chain: :memory: → file → heap → stable → file in WAL mode.
	for k := 1; k < len(dsns); k++ {
		dst := rawConn(t, open(t, dsns[k]))
		if err := driver.Backup(ctx, dst, src); err != nil {
			t.Fatalf("%s → %s: %v", dsns[k-1], dsns[k], err)
		}
		var n int
		var check string
		if err := dst.QueryRowContext(ctx, "select count(*), (select integrity_check from pragma_integrity_check) from t").Scan(&n, &check); err != nil || n != 5000 || check != "ok" {
			t.Fatalf("%s: %d rows, %q, %v", dsns[k], n, check, err)
		}
		if content(dst) != want {
			t.Fatalf("%s: the rows differ from the original", dsns[k])
		}
		src = dst
	}
}
