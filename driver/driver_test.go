package driver_test

import (
	"bytes"
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"math"
	"os"
	osexec "os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"

	"github.com/stablesqlite/stablesqlite/backend/heap"
	"github.com/stablesqlite/stablesqlite/driver"
)

func open(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("stablesqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t testing.TB, db interface {
	Exec(string, ...any) (sql.Result, error)
}, query string, args ...any) sql.Result {
	t.Helper()
	r, err := db.Exec(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return r
}

func heapName(t testing.TB) string {
	name := "/" + uniqueName(t)
	t.Cleanup(func() { heap.Default.Drop(name) })
	return name
}

var names atomic.Int64

// uniqueName names an in-process database or memory after the test, unique
// in the process (so that go test -count=N starts afresh each time).
func uniqueName(t testing.TB) string {
	return fmt.Sprintf("%s_%d", strings.ReplaceAll(t.Name(), "/", "_"), names.Add(1))
}

func TestVersion(t *testing.T) {
	var v string
	if err := open(t, ":memory:").QueryRow("select sqlite_version()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != "3.54.1" {
		t.Fatalf("sqlite_version() = %q, want 3.54.1", v)
	}
}

// A heap database is shared by the connections of the pool: rows written in
// a transaction on one are all read back on another.
func TestHeapSharedAcrossPool(t *testing.T) {
	ctx := context.Background()
	db := open(t, "file:"+heapName(t)+"?vfs=heap")
	c1, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := db.Conn(ctx) // a second, distinct connection: c1 is still held
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()

	if _, err := c1.ExecContext(ctx, "create table t(id integer primary key, v text)"); err != nil {
		t.Fatal(err)
	}
	tx, err := c1.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := tx.Prepare("insert into t(id, v) values(?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	for i := range n {
		if _, err := ins.Exec(i, fmt.Sprint("row ", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows, err := c2.QueryContext(ctx, "select id, v from t order by id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		if id != got || v != fmt.Sprint("row ", got) {
			t.Fatalf("row %d = (%d, %q)", got, id, v)
		}
		got++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("read %d rows, want %d", got, n)
	}
}

// A file database survives close and reopen, and is an ordinary SQLite file
// that the native sqlite3 shell checks and reads.
func TestFileReopenAndNativeSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	db := open(t, path)
	mustExec(t, db, "create table t(id integer primary key, v text)")
	mustExec(t, db, "insert into t(v) values ('a'), ('b'), ('c')")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	var count int
	if err := open(t, "file:"+path+"?mode=ro").QueryRow("select count(*) from t").Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != 3 {
		t.Fatalf("after reopen: %d rows, want 3", count)
	}

	cli := sqlite3cli.Path(t)
	out, err := osexec.Command(cli, path, "PRAGMA integrity_check; select group_concat(v) from t;").CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "ok\na,b,c" {
		t.Fatalf("sqlite3 printed %q", got)
	}
}

func TestHeapExportImport(t *testing.T) {
	src, dst := heapName(t), heapName(t)+"_copy"
	t.Cleanup(func() { heap.Default.Drop(dst) })
	db := open(t, "file:"+src+"?vfs=heap")
	mustExec(t, db, "create table t(x); insert into t with recursive c(x) as (select 1 union all select x+1 from c where x < 5000) select x from c")
	image, err := heap.Default.Export(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := heap.Default.Import(dst, image); err != nil {
		t.Fatal(err)
	}
	again, err := heap.Default.Export(dst)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(image, again) {
		t.Fatal("imported database differs from the exported image")
	}
	var sum int
	if err := open(t, "file:"+dst+"?vfs=heap").QueryRow("select sum(x) from t").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != 5000*5001/2 {
		t.Fatalf("sum = %d", sum)
	}
	if err := heap.Default.Import("/bad", []byte("not a database")); err == nil {
		t.Fatal("Import accepted garbage")
	}
}

func TestTypesRoundTrip(t *testing.T) {
	db := open(t, ":memory:")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(i integer, f real, s text, b blob, ok boolean, n, at datetime)")
	at := time.Date(2026, 11, 22, 8, 15, 32, 123456789, time.FixedZone("X", 5*3600+1800))
	mustExec(t, db, "insert into t values(?, ?, ?, ?, ?, ?, ?)",
		int64(math.MinInt64), 1.5, "héllo\x00world", []byte{0, 1, 2}, true, nil, at)
	var (
		i  int64
		f  float64
		s  string
		b  []byte
		ok bool
		n  sql.NullString
		tm time.Time
	)
	if err := db.QueryRow("select * from t").Scan(&i, &f, &s, &b, &ok, &n, &tm); err != nil {
		t.Fatal(err)
	}
	if i != math.MinInt64 || f != 1.5 || s != "héllo\x00world" || !bytes.Equal(b, []byte{0, 1, 2}) || !ok || n.Valid {
		t.Fatalf("got %v %v %q %v %v %v", i, f, s, b, ok, n)
	}
	if !tm.Equal(at) {
		t.Fatalf("time %v, want %v", tm, at)
	}
	// SQLite's own date functions read the stored text.
	var unix int64
	if err := db.QueryRow("select unixepoch(at) from t").Scan(&unix); err != nil {
		t.Fatal(err)
	}
	if unix != at.Unix() {
		t.Fatalf("unixepoch = %d, want %d", unix, at.Unix())
	}
	// An empty blob stays a blob, a nil one is NULL.
	var typ1, typ2 string
	if err := db.QueryRow("select typeof(?), typeof(?)", []byte{}, []byte(nil)).Scan(&typ1, &typ2); err != nil {
		t.Fatal(err)
	}
	if typ1 != "blob" || typ2 != "null" {
		t.Fatalf("typeof = %s, %s", typ1, typ2)
	}
	// Integer unix times in a DATETIME column scan as time.Time too.
	mustExec(t, db, "insert into t(at) values(1700000000)")
	if err := db.QueryRow("select at from t where rowid = 2").Scan(&tm); err != nil {
		t.Fatal(err)
	}
	if tm.Unix() != 1700000000 {
		t.Fatalf("unix time read back as %v", tm)
	}
}

func TestParameters(t *testing.T) {
	db := open(t, ":memory:")
	var a, b, c, d int
	err := db.QueryRow("select :a, @b, $c, ?4", sql.Named("a", 1), sql.Named("b", 2), sql.Named("c", 3), 4).Scan(&a, &b, &c, &d)
	if err != nil {
		t.Fatal(err)
	}
	if a != 1 || b != 2 || c != 3 || d != 4 {
		t.Fatalf("got %d %d %d %d", a, b, c, d)
	}
	if err := db.QueryRow("select ?, ?", 1).Scan(&a, &b); err == nil || !strings.Contains(err.Error(), "missing argument") {
		t.Fatalf("missing argument: %v", err)
	}
	if err := db.QueryRow("select ?", 1, 2).Scan(&a); err == nil || !strings.Contains(err.Error(), "more argument") {
		t.Fatalf("extra argument: %v", err)
	}
	if err := db.QueryRow("select :a", sql.Named("zz", 1)).Scan(&a); err == nil {
		t.Fatal("unknown named argument accepted")
	}
}

func TestMultiStatementExec(t *testing.T) {
	db := open(t, ":memory:")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(x); insert into t values(?); insert into t values(?), (?)", 1, 2, 3)
	var sum int
	if err := db.QueryRow("select sum(x) from t").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != 6 {
		t.Fatalf("sum = %d", sum)
	}
	if _, err := db.Query("select 1; select 2"); err == nil || !strings.Contains(err.Error(), "more than one statement") {
		t.Fatalf("Query of two statements: %v", err)
	}
	// The second statement is compiled only after the first ran.
	mustExec(t, db, "create table u(y); insert into u values (1) -- trailing comment")
	// Texts with no statement run nothing and fail nothing; trailing
	// semicolons and comments are not statements.
	for _, q := range []string{"", "  ", "-- nothing", "/* nothing */ ;"} {
		mustExec(t, db, q)
	}
	var one int
	if err := db.QueryRow("select 1; -- done\n /* really */").Scan(&one); err != nil || one != 1 {
		t.Fatalf("a query with trailing comments: %d, %v", one, err)
	}
}

func TestResults(t *testing.T) {
	db := open(t, ":memory:")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(id integer primary key, x)")
	r := mustExec(t, db, "insert into t(id, x) values(41, 'a'), (42, 'b')")
	if id, _ := r.LastInsertId(); id != 42 {
		t.Fatalf("LastInsertId = %d", id)
	}
	if n, _ := mustExec(t, db, "update t set x = 'c'").RowsAffected(); n != 2 {
		t.Fatalf("RowsAffected = %d", n)
	}
}

func TestErrors(t *testing.T) {
	db := open(t, ":memory:")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(id integer primary key, u unique)")
	mustExec(t, db, "insert into t(u) values(1)")
	_, err := db.Exec("insert into t(u) values(1)")
	var se *driver.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *driver.Error", err, err)
	}
	if se.Code != driver.ErrConstraint || se.ExtendedCode != driver.ErrConstraintUnique {
		t.Fatalf("codes %d/%d", se.Code, se.ExtendedCode)
	}
	if !errors.Is(err, driver.ErrConstraint) || !errors.Is(err, driver.ErrConstraintUnique) {
		t.Fatal("errors.Is does not match the codes")
	}
	if _, err := db.Exec("selec 1"); !errors.Is(err, driver.ErrError) || !strings.Contains(err.Error(), "syntax error") {
		t.Fatalf("malformed SQL: %v", err)
	}
	// The connection is still fine.
	var n int
	if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after errors: %d, %v", n, err)
	}
}

// A cancelled context stops a running statement promptly and the connection
// stays usable.
func TestCancelInterrupts(t *testing.T) {
	db := open(t, ":memory:")
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	var n int64
	err := db.QueryRowContext(ctx, "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c").Scan(&n)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancellation took %v", d)
	}
	if err := db.QueryRow("select 7").Scan(&n); err != nil || n != 7 {
		t.Fatalf("after cancel: %d, %v", n, err)
	}
}

func TestReadOnlyTransaction(t *testing.T) {
	db := open(t, "file:"+heapName(t)+"?vfs=heap")
	mustExec(t, db, "create table t(x)")
	tx, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("insert into t values(1)"); !errors.Is(err, driver.ErrReadOnly) {
		t.Fatalf("write in a read-only transaction: %v", err)
	}
	tx.Rollback()
	mustExec(t, db, "insert into t values(1)") // writable again afterwards
	if _, err := db.BeginTx(context.Background(), &sql.TxOptions{Isolation: sql.LevelReadCommitted}); err == nil {
		t.Fatal("unsupported isolation level accepted")
	}
}

// The default busy timeout lets a pool of writers share a file database.
func TestConcurrentWriters(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "busy.db")+"?_txlock=immediate")
	db.SetMaxOpenConns(4)
	mustExec(t, db, "create table t(g, i)")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				tx, err := db.Begin()
				if err == nil {
					_, err = tx.Exec("insert into t values(?, ?)", g, i)
					if err == nil {
						err = tx.Commit()
					} else {
						tx.Rollback()
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 100 {
		t.Fatalf("count = %d, %v", n, err)
	}
}

func TestColumnTypes(t *testing.T) {
	db := open(t, ":memory:")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(a integer, b varchar(10), c datetime, d)")
	rows, err := db.Query("select a, b, c, d, 1 from t")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ct := range types {
		got = append(got, ct.DatabaseTypeName())
	}
	if strings.Join(got, ",") != "INTEGER,VARCHAR(10),DATETIME,," {
		t.Fatalf("types %q", got)
	}
}

func TestMemoryDatabasesArePrivate(t *testing.T) {
	ctx := context.Background()
	db := open(t, ":memory:")
	c1, _ := db.Conn(ctx)
	defer c1.Close()
	c2, _ := db.Conn(ctx)
	defer c2.Close()
	if _, err := c1.ExecContext(ctx, "create table t(x)"); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.ExecContext(ctx, "select * from t"); err == nil {
		t.Fatal("second :memory: connection sees the first one's table")
	}
}

func TestDSNErrors(t *testing.T) {
	for _, dsn := range []string{
		"file:x.db?bogus=1",
		"file:x.db?vfs=nosuch",
		"file:x.db?mode=sideways",
		"file:x.db?_txlock=later",
		"file:x.db?_pragma=a;drop table t",
		"file:x.db?cache=shared",
	} {
		if db, err := sql.Open("stablesqlite", dsn); err == nil {
			db.Close()
			t.Errorf("%s: opened without error", dsn)
		}
	}
	// A pragma from the DSN applies to every connection.
	db := open(t, "file:"+heapName(t)+"?vfs=heap&_pragma=foreign_keys(1)&_busy_timeout=1234")
	var fk, bt int
	if err := db.QueryRow("select * from pragma_foreign_keys, pragma_busy_timeout").Scan(&fk, &bt); err != nil {
		t.Fatal(err)
	}
	if fk != 1 || bt != 1234 {
		t.Fatalf("foreign_keys = %d, busy_timeout = %d", fk, bt)
	}
	// mode=ro refuses writes; a missing file with mode=rw does not open.
	dir := t.TempDir()
	rw := open(t, filepath.Join(dir, "a.db"))
	mustExec(t, rw, "create table t(x)")
	if _, err := open(t, "file:"+filepath.Join(dir, "a.db")+"?mode=ro").Exec("insert into t values(1)"); !errors.Is(err, driver.ErrReadOnly) {
		t.Fatalf("write through mode=ro: %v", err)
	}
	if err := open(t, "file:"+filepath.Join(dir, "missing.db")+"?mode=rw").Ping(); !errors.Is(err, driver.ErrCantOpen) {
		t.Fatalf("missing file with mode=rw: %v", err)
	}
}

func TestConnector(t *testing.T) {
	b := heap.New()
	c, err := driver.NewConnector(":memory:", driver.WithBackend(b, "/conn"), driver.WithPragma("user_version=7"), driver.WithMemoryLimit(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	mustExec(t, db, "create table t(x)")
	var v int
	if err := db.QueryRow("pragma user_version").Scan(&v); err != nil || v != 7 {
		t.Fatalf("user_version = %d, %v", v, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Export("/conn"); err != nil {
		t.Fatalf("the connector's own backend has no database: %v", err)
	}
}

// One prepared statement used from many goroutines.
func TestSharedPreparedStatement(t *testing.T) {
	db := open(t, "file:"+heapName(t)+"?vfs=heap")
	mustExec(t, db, "create table t(id integer primary key, v)")
	mustExec(t, db, "insert into t with recursive c(x) as (select 1 union all select x+1 from c where x < 100) select x, 2*x from c")
	st, err := db.Prepare("select v from t where id = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= 100; i++ {
				var v int
				if err := st.QueryRow(i).Scan(&v); err != nil || v != 2*i {
					t.Errorf("goroutine %d id %d: %d, %v", g, i, v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// An image whose header says WAL imports as a rollback-journal database.
func TestHeapImportWALImage(t *testing.T) {
	src, dst := heapName(t), heapName(t)+"_wal"
	t.Cleanup(func() { heap.Default.Drop(dst) })
	db := open(t, "file:"+src+"?vfs=heap")
	mustExec(t, db, "create table t(x); insert into t values (42)")
	image, err := heap.Default.Export(src)
	if err != nil {
		t.Fatal(err)
	}
	image[18], image[19] = 2, 2 // as a database in WAL mode has it
	if err := heap.Default.Import(dst, image); err != nil {
		t.Fatal(err)
	}
	var mode string
	var x int
	wal := open(t, "file:"+dst+"?vfs=heap")
	if err := wal.QueryRow("select x, (select journal_mode from pragma_journal_mode) from t").Scan(&x, &mode); err != nil {
		t.Fatal(err)
	}
	if x != 42 || mode != "delete" {
		t.Fatalf("x = %d, journal_mode = %q", x, mode)
	}
	mustExec(t, wal, "insert into t values (43)") // and it is writable
}

// A memory limit makes a huge allocation fail cleanly, not crash, and the
// connection goes on.
func TestMemoryLimit(t *testing.T) {
	c, err := driver.NewConnector(":memory:", driver.WithMemoryLimit(16<<20))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRow("select length(randomblob(64*1024*1024))").Scan(&n); !errors.Is(err, driver.ErrNoMem) {
		t.Fatalf("64 MiB blob under a 16 MiB limit: %d, %v", n, err)
	}
	if err := db.QueryRow("select length(zeroblob(1024))").Scan(&n); err != nil || n != 1024 {
		t.Fatalf("after the failure: %d, %v", n, err)
	}
}

// A file that is not a database gives SQLITE_NOTADB, not a crash.
func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("junk"), 1024), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := open(t, path).Exec("select * from sqlite_schema")
	if !errors.Is(err, driver.ErrNotADB) {
		t.Fatalf("got %v", err)
	}
}

// After the connection changes the schema, a statement that was prepared
// (and cached) before returns the new table's columns.
func TestColumnsAfterSchemaChange(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "a.db"))
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(id integer primary key, a text, b integer)")
	mustExec(t, db, "insert into t values (1, 'x', 5)")
	st, err := db.Prepare("select * from t where id = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cols := func(rows *sql.Rows, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		names, _ := rows.Columns()
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if !rows.Next() {
			t.Fatal("no row", rows.Err())
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(names, vals)
	}
	if got := cols(db.Query("select * from t where id = ?", 1)); got != "[id a b] [1 x 5]" {
		t.Fatalf("before: %s", got)
	}
	mustExec(t, db, "drop table t")
	mustExec(t, db, "create table t(id integer primary key, a text, c integer, d integer)")
	mustExec(t, db, "insert into t values (1, 'y', 7, 8)")
	for name, got := range map[string]string{
		"cached":   cols(db.Query("select * from t where id = ?", 1)),
		"prepared": cols(st.Query(1)),
	} {
		if got != "[id a c d] [1 y 7 8]" {
			t.Errorf("%s statement after the schema change: %s", name, got)
		}
	}
}

// Every Go integer type binds as an integer (the common ones without
// database/sql's conversion); a uint64 beyond int64 is refused, and named
// types go through the default conversion.
func TestIntegerArguments(t *testing.T) {
	db := open(t, "file:"+heapName(t)+"?vfs=heap")
	type myInt int
	for _, v := range []any{int(-7), int8(-8), int16(-16), int32(-32), int64(-64),
		uint8(8), uint16(16), uint32(1 << 31), uint(1 << 40), uint64(math.MaxInt64), myInt(5)} {
		var got int64
		var typ string
		if err := db.QueryRow("select ?, typeof(?1)", v).Scan(&got, &typ); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if want := reflect.ValueOf(v).Convert(reflect.TypeFor[int64]()).Int(); got != want || typ != "integer" {
			t.Errorf("%T %v: got %d (%s)", v, v, got, typ)
		}
	}
	for _, v := range []any{uint64(math.MaxInt64 + 1), uint(math.MaxUint)} {
		if err := db.QueryRow("select ?", v).Scan(new(any)); err == nil {
			t.Errorf("%T %v: bound without an error", v, v)
		}
	}
}

// Blobs reach database/sql without a copy: they stay intact while the
// connection runs other statements between Next and Scan, values scanned
// into []byte or any stay intact after the rows move on, and sql.RawBytes
// sees the bytes of the current row.
func TestBlobsAcrossRows(t *testing.T) {
	db := open(t, "file:"+heapName(t)+"?vfs=heap")
	mustExec(t, db, "create table b(id integer primary key, v blob)")
	for k := range 50 {
		mustExec(t, db, "insert into b values (?, ?)", k, bytes.Repeat([]byte{byte(k)}, 10+k*100))
	}
	tx, err := db.Begin() // one connection for the rows and the statements in between
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query("select id, v from b order by id")
	if err != nil {
		t.Fatal(err)
	}
	var kept [][]byte
	var kept2 []any
	for rows.Next() {
		var id int
		var v []byte
		var raw sql.RawBytes
		var a any
		// Other statements of the same connection between Next and Scan.
		mustExec(t, tx, "select randomblob(5000), zeroblob(?)", id*1000)
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		if err := rows.Scan(&id, &a); err != nil {
			t.Fatal(err)
		}
		if err := rows.Scan(&id, &raw); err != nil { // last: it holds the row
			t.Fatal(err)
		}
		if !bytes.Equal(raw, bytes.Repeat([]byte{byte(id)}, 10+id*100)) {
			t.Fatalf("row %d: raw bytes %x...", id, raw[:min(len(raw), 8)])
		}
		kept, kept2 = append(kept, v), append(kept2, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for id := range kept {
		want := bytes.Repeat([]byte{byte(id)}, 10+id*100)
		if !bytes.Equal(kept[id], want) || !bytes.Equal(kept2[id].([]byte), want) {
			t.Fatalf("row %d changed after the rows moved on", id)
		}
	}
}

// Integers, floats and texts scanned into any keep their values after the
// rows move on and the connection runs other queries, across the slabs the
// connection boxes them in (boxes.go) and through collections.
func TestValuesKeptAcrossRows(t *testing.T) {
	db := open(t, "file:"+heapName(t)+"?vfs=heap")
	db.SetMaxOpenConns(1)
	const n = 3 * 256 // three of boxes.go's slabs
	want := func(k int) []any {
		return []any{int64(k * 1000), float64(k) + 0.5, strings.Repeat("x", k%40), int64(k % 7)}
	}
	var kept [][]any
	for round := range 2 {
		rows, err := db.Query("with recursive c(k) as (select 0 union all select k+1 from c where k+1 < ?) "+
			"select k*1000, k+0.5, substr(?, 1, k%40), k%7 from c", n, strings.Repeat("x", 40))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			row := make([]any, 4)
			if err := rows.Scan(&row[0], &row[1], &row[2], &row[3]); err != nil {
				t.Fatal(err)
			}
			kept = append(kept, row)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		if len(kept) != (round+1)*n {
			t.Fatalf("%d rows; want %d", len(kept), (round+1)*n)
		}
	}
	for i, row := range kept {
		if w := want(i % n); !reflect.DeepEqual(row, w) {
			t.Fatalf("row %d is %#v after the rows moved on; want %#v", i, row, w)
		}
	}
}

// FuzzCorruptDatabase opens a database image with arbitrary bytes patched
// into it past the header and queries it: every answer must be rows or an
// SQLite error on the same connection (no trap in the guest, no panic in
// the host, no lost connection), and closing must work.
func FuzzCorruptDatabase(f *testing.F) {
	seedName := heapName(f)
	seed := open(f, "file:"+seedName+"?vfs=heap")
	mustExec(f, seed, "create table t(a integer primary key, b text, c blob)")
	mustExec(f, seed, "create index tb on t(b)")
	for k := range 200 {
		mustExec(f, seed, "insert into t values (?, ?, randomblob(?))", k, fmt.Sprint("row ", k), k*20)
	}
	seed.Close()
	image, err := heap.Default.Export(seedName)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint32(0))
	f.Add([]byte{0}, uint32(4096-100))
	f.Add([]byte("\x0d\x00\x00\x00\xff"), uint32(4096))
	n := 0
	f.Fuzz(func(t *testing.T, patch []byte, at uint32) {
		img := bytes.Clone(image)
		copy(img[100+int(at)%(len(img)-100):], patch)
		n++
		name := fmt.Sprintf("fuzz%d", n)
		if err := heap.Default.Import(name, img); err != nil {
			t.Fatal(err) // the header is intact: the image must be accepted
		}
		defer heap.Default.Drop(name)
		db := open(t, "file:"+name+"?vfs=heap")
		db.SetMaxOpenConns(1) // one connection sees every query
		for _, q := range []string{"pragma quick_check", "select count(*) from sqlite_schema",
			"select a, b, length(c) from t", "select b from t where b > 'row 5' order by b",
			"insert into t(b) values ('new')", "select 1"} {
			rows, err := db.Query(q)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Close()
			}
			// Corruption is SQLite's to report; a trap or a lost
			// connection would be ours.
			var sqliteErr *driver.Error
			if err != nil && (!errors.As(err, &sqliteErr) || errors.Is(err, sqldriver.ErrBadConn)) {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRawValuesAndErrorOffset(t *testing.T) {
	c, err := driver.NewConnector(":memory:", driver.WithRawValues())
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.Exec("create table t(d datetime, b boolean); insert into t values ('2026-12-01 10:00:00', 2)"); err != nil {
		t.Fatal(err)
	}
	var d, b any
	if err := db.QueryRow("select d, b from t").Scan(&d, &b); err != nil {
		t.Fatal(err)
	}
	if d != "2026-12-01 10:00:00" || b != int64(2) {
		t.Fatalf("raw values: got %#v, %#v", d, b)
	}
	_, err = db.Exec("select nosuchcolumn from t")
	var e *driver.Error
	if !errors.As(err, &e) || e.Offset != 7 {
		t.Fatalf("error offset: got %v (%#v)", err, e)
	}
	_, err = db.Exec("select 1 + from t")
	if !errors.As(err, &e) || e.Offset < 0 {
		t.Fatalf("syntax error offset: got %v (%#v)", err, e)
	}
}
