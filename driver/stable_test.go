package driver_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/file"
	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
)

// openStable opens a pool on a fresh in-process stable memory of maxPages.
func openStable(t *testing.T, maxPages uint64) (*sql.DB, *stable.Backend, stable.Memory) {
	t.Helper()
	mem := stable.NewMemory(maxPages)
	b, err := stable.New(mem)
	if err != nil {
		t.Fatal(err)
	}
	c, err := driver.NewConnector(":memory:", driver.WithBackend(b, "main.db"))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db, b, mem
}

// memBytes returns the whole content of a memory.
func memBytes(t *testing.T, m stable.Memory) []byte {
	t.Helper()
	buf := make([]byte, m.Size()*stable.PageSize)
	if err := m.ReadAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	return buf
}

func fill(t *testing.T, db *sql.DB, rows int) {
	t.Helper()
	mustExec(t, db, "create table if not exists t(id integer primary key, v text)")
	mustExec(t, db, `insert into t(v) with recursive c(x) as (select 1 union all select x+1 from c where x < ?)
		select printf('value %08d', x) from c`, rows)
}

func TestStableDSN(t *testing.T) {
	name := uniqueName(t)
	db := open(t, "file:main.db?vfs=stable&memory="+name)
	fill(t, db, 10000)
	var n int
	if err := open(t, "file:main.db?vfs=stable&memory="+name).QueryRow("select count(*) from t").Scan(&n); err != nil || n != 10000 {
		t.Fatalf("second pool: %d, %v", n, err)
	}
	if err := open(t, "file:main.db?vfs=stable&memory=other").QueryRow("select count(*) from t").Scan(&n); err == nil {
		t.Fatal("another memory sees the table")
	}
	for _, dsn := range []string{"file:x.db?memory=a", "file:x.db?vfs=stable&memory=a&image=/tmp/b"} {
		if db, err := sql.Open("stablesqlite", dsn); err == nil {
			db.Close()
			t.Errorf("%s accepted", dsn)
		}
	}
}

// A one-row update and a one-row insert in a table of 100,000 rows dirty
// only the B-tree pages SQLite changes (at most 3, no journal), where the
// file backend with a rollback journal writes several times as much.
func TestStableSmallTransactionCost(t *testing.T) {
	db, b, _ := openStable(t, 0)
	db.SetMaxOpenConns(1)
	fill(t, db, 100000)
	for _, stmt := range []string{
		"update t set v = 'changed' where id = 50000",
		"insert into t(v) values ('one more')",
	} {
		mustExec(t, db, stmt)
		st := b.Stats().Last
		t.Logf("stable: %-40s dirtied %d 4K pages (%d 64K), wrote %d bytes in %d calls, %d cycles",
			stmt, st.PagesDirtied4K, st.PagesDirtied64K, st.BytesWritten, st.WriteCalls, st.APIInstructions)
		if st.PagesDirtied4K == 0 || st.PagesDirtied4K > 3 {
			t.Errorf("%s dirtied %d 4 KiB pages, want 1..3", stmt, st.PagesDirtied4K)
		}
	}
	for _, f := range b.Files() {
		if f.Name != "main.db" {
			t.Errorf("file %q in the memory: no journal should exist", f.Name)
		}
	}

	// The same transactions on the file backend, with its rollback journal.
	cb := &countingBackend{Backend: file.New()}
	c, err := driver.NewConnector(":memory:", driver.WithBackend(cb, filepath.Join(t.TempDir(), "f.db")))
	if err != nil {
		t.Fatal(err)
	}
	fdb := sql.OpenDB(c)
	defer fdb.Close()
	fdb.SetMaxOpenConns(1)
	fill(t, fdb, 100000)
	for _, stmt := range []string{
		"update t set v = 'changed' where id = 50000",
		"insert into t(v) values ('one more')",
	} {
		cb.writes, cb.bytes, cb.syncs = 0, 0, 0
		mustExec(t, fdb, stmt)
		t.Logf("file:   %-40s %d writes, %d bytes (journal included), %d syncs", stmt, cb.writes, cb.bytes, cb.syncs)
		if cb.bytes <= 3*4096 {
			t.Errorf("file backend wrote only %d bytes: is the journal counted?", cb.bytes)
		}
	}
}

type countingBackend struct {
	backend.Backend
	writes, bytes, syncs int
}

func (c *countingBackend) Open(name string, flags backend.OpenFlags) (backend.Volume, backend.OpenFlags, error) {
	v, f, err := c.Backend.Open(name, flags)
	if err != nil {
		return nil, 0, err
	}
	return &countingVolume{v, c}, f, nil
}

type countingVolume struct {
	backend.Volume
	c *countingBackend
}

func (v *countingVolume) WriteAt(p []byte, off int64) (int, error) {
	v.c.writes++
	v.c.bytes += len(p)
	return v.Volume.WriteAt(p, off)
}

func (v *countingVolume) Sync(f backend.SyncFlags) error {
	v.c.syncs++
	return v.Volume.Sync(f)
}

// A transaction that is rolled back, or fails, leaves the memory as it was.
func TestStableRollbackLeavesNoTrace(t *testing.T) {
	db, _, mem := openStable(t, 0)
	db.SetMaxOpenConns(1)
	fill(t, db, 1000)
	before := memBytes(t, mem)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("insert into t(v) select v from t"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("insert into t(id, v) values (1, 'duplicate key')"); !errors.Is(err, driver.ErrConstraintPrimaryKey) {
		t.Fatalf("duplicate key: %v", err)
	}
	if !bytes.Equal(before, memBytes(t, mem)) {
		t.Fatal("the memory changed")
	}
}

// Filling the memory gives SQLITE_FULL for that transaction; the database
// stays intact, and deleting rows lets writes go on.
func TestStableFull(t *testing.T) {
	db, _, _ := openStable(t, 48) // 3 MiB
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(id integer primary key, v blob)")
	committed := 0
	var err error
	for ; committed < 1000; committed++ {
		if _, err = db.Exec("insert into t(v) values (randomblob(100000))"); err != nil {
			break
		}
	}
	if !errors.Is(err, driver.ErrFull) || !errors.Is(err, stable.ErrGrow) {
		t.Fatalf("after %d rows: %v, want SQLITE_FULL from the memory", committed, err)
	}
	var n int
	var check string
	if err := db.QueryRow("select count(*), (select integrity_check from pragma_integrity_check) from t").Scan(&n, &check); err != nil {
		t.Fatal(err)
	}
	if n != committed || check != "ok" {
		t.Fatalf("after SQLITE_FULL: %d rows (want %d), integrity %q", n, committed, check)
	}
	mustExec(t, db, "delete from t where id % 2 = 0")
	for range 3 {
		mustExec(t, db, "insert into t(v) values (randomblob(100000))")
	}
}

// A trapped message leaves the memory byte for byte as it was, and the
// connection forgets what it saw inside it; a committed one lands whole.
func TestStableMessages(t *testing.T) {
	db, b, mem := openStable(t, 0)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "create table t(x)"); err != nil {
		t.Fatal(err)
	}
	before := memBytes(t, mem)
	boom := errors.New("trap")
	err = stable.Message(ctx, conn, func(c *sql.Conn) error {
		for _, q := range []string{"insert into t values (1)", "create table u(y)", "insert into u values (2)", "insert into t select randomblob(5000) from u"} {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		var n int
		if err := c.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 2 {
			return fmt.Errorf("inside the message: %d rows, %v", n, err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if !bytes.Equal(before, memBytes(t, mem)) {
		t.Fatal("a trapped message changed the memory")
	}
	var n int
	if err := conn.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 0 {
		t.Fatalf("after the trap: %d rows, %v", n, err)
	}
	if _, err := conn.ExecContext(ctx, "select * from u"); err == nil {
		t.Fatal("a table created in a trapped message exists")
	}
	if st := b.Stats(); st.Total.Traps == 0 {
		t.Fatalf("no trap counted: %+v", st.Total)
	}

	err = stable.Message(ctx, conn, func(c *sql.Conn) error {
		for i := range 10 {
			if _, err := c.ExecContext(ctx, "insert into t values (?)", i); err != nil {
				return err
			}
		}
		if !bytes.Equal(before, memBytes(t, mem)) {
			return errors.New("the memory changed before the message committed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 10 {
		t.Fatalf("after commit: %d rows, %v", n, err)
	}

	// A query message's writes are dropped.
	after := memBytes(t, mem)
	err = stable.QueryMessage(ctx, conn, func(c *sql.Conn) error {
		_, err := c.ExecContext(ctx, "delete from t")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, memBytes(t, mem)) {
		t.Fatal("a query message changed the memory")
	}
	if err := conn.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 10 {
		t.Fatalf("after a query message: %d rows, %v", n, err)
	}
}

// The platform may trap at any grow or write of a message's commit: each
// time the memory is byte-identical to the last commit, and the next
// message reads only committed data.
func TestStableTrapAtEveryWrite(t *testing.T) {
	for k := 1; ; k++ {
		mem := stable.NewMemory(0)
		b, err := stable.New(mem)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := driver.NewConnector(":memory:", driver.WithBackend(b, "main.db"))
		db := sql.OpenDB(c)
		db.SetMaxOpenConns(1)
		fill(t, db, 2000)
		before := memBytes(t, mem)
		calls := 0
		stable.InjectTraps(mem, func(op string) bool { calls++; return calls == k })
		ctx := context.Background()
		conn, _ := db.Conn(ctx)
		err = stable.Message(ctx, conn, func(c *sql.Conn) error {
			_, err := c.ExecContext(ctx, "insert into t(v) select v || 'x' from t")
			return err
		})
		stable.InjectTraps(mem, nil)
		if calls < k {
			// No trap fired: the message committed, and every step has been tried.
			if err != nil {
				t.Fatal(err)
			}
			conn.Close()
			db.Close()
			if k == 1 {
				t.Fatal("the message made no memory call")
			}
			t.Logf("trapped at each of %d grow/write calls", k-1)
			return
		}
		if err == nil {
			t.Fatalf("trap %d: the message committed", k)
		}
		if !bytes.Equal(before, memBytes(t, mem)) {
			t.Fatalf("trap %d: the memory differs from the last commit", k)
		}
		var n int
		var check string
		if err := conn.QueryRowContext(ctx, "select count(*), (select integrity_check from pragma_integrity_check) from t").Scan(&n, &check); err != nil || n != 2000 || check != "ok" {
			t.Fatalf("trap %d: next message sees %d rows, %q, %v", k, n, check, err)
		}
		conn.Close()
		db.Close()
	}
}

// Data written to an image survives into a new process.
func TestStableImageAcrossProcesses(t *testing.T) {
	if os.Getenv("STABLESQLITE_CHILD_IMAGE") != "" {
		return // the child part runs in TestStableImageChild
	}
	image := filepath.Join(t.TempDir(), "mem.img")
	run := func(sql string) string {
		cmd := osexec.Command(os.Args[0], "-test.run=^TestStableImageChild$")
		cmd.Env = append(os.Environ(), "STABLESQLITE_CHILD_IMAGE="+image, "STABLESQLITE_CHILD_SQL="+sql, "GORACE=atexit_sleep_ms=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		_, result, _ := strings.Cut(string(out), "RESULT:")
		result, _, _ = strings.Cut(result, "\n")
		return result
	}
	run("create table t(x); insert into t values ('kept across processes')")
	if got := run("select x from t"); got != "kept across processes" {
		t.Fatalf("new process read %q", got)
	}
	// A corrupt image is a clear error at the first connection (sql.Open
	// only checks the DSN), not a panic.
	if err := os.WriteFile(image, bytes.Repeat([]byte{7}, stable.PageSize), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := pingImage(image); !errors.Is(err, stable.ErrFormat) {
		t.Fatalf("corrupt image: %v", err)
	}
	other := filepath.Join(t.TempDir(), "short.img")
	if err := os.WriteFile(other, []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := pingImage(other); err == nil || !strings.Contains(err.Error(), "not a stable image") {
		t.Fatalf("truncated image: %v", err)
	}
}

// pingImage opens a pool on main.db in the image file path and pings it.
func pingImage(path string) error {
	db, err := sql.Open("stablesqlite", "file:main.db?vfs=stable&image="+path)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Ping()
}

func TestStableImageChild(t *testing.T) {
	image := os.Getenv("STABLESQLITE_CHILD_IMAGE")
	if image == "" {
		t.Skip("runs as a child of TestStableImageAcrossProcesses")
	}
	db := open(t, "file:main.db?vfs=stable&image="+image)
	q := os.Getenv("STABLESQLITE_CHILD_SQL")
	if !strings.HasPrefix(q, "select") {
		mustExec(t, db, q)
		return
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		rows.Scan(&s)
		fmt.Println("RESULT:" + s)
	}
}

// Database pages sit above 4 GiB in the memory (64-bit addressing), without
// needing 4 GiB of RAM: the memory is sparse.
func TestStableAbove4GiB(t *testing.T) {
	db, b, _ := openStable(t, 0)
	vol, _, err := b.Open("pad", backend.OpenCreate|backend.OpenReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vol.WriteAt([]byte{1}, 5<<30); err != nil {
		t.Fatal(err)
	}
	if err := vol.Sync(0); err != nil {
		t.Fatal(err)
	}
	vol.Close()
	fill(t, db, 5000)
	var n int
	if err := db.QueryRow("select count(*) from t where v like 'value%'").Scan(&n); err != nil || n != 5000 {
		t.Fatalf("%d, %v", n, err)
	}
	for _, f := range b.Files() {
		if f.Name == "main.db" && f.Extents[0][0]*stable.PageSize < 5<<30 {
			t.Fatalf("main.db starts at page %d, below 5 GiB", f.Extents[0][0])
		}
	}
}

// Export and Import convert between a stable memory and ordinary SQLite.
func TestStableExportImport(t *testing.T) {
	db, b, _ := openStable(t, 0)
	fill(t, db, 3000)
	image, err := b.Export("main.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.db")
	if err := os.WriteFile(path, image, 0o644); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := open(t, "file:"+path+"?mode=ro").QueryRow("select count(*) from t").Scan(&n); err != nil || n != 3000 {
		t.Fatalf("exported file: %d, %v", n, err)
	}
	if err := b.Import("copy.db", image); err != nil {
		t.Fatal(err)
	}
	c, _ := driver.NewConnector(":memory:", driver.WithBackend(b, "copy.db"))
	cdb := sql.OpenDB(c)
	defer cdb.Close()
	if err := cdb.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 3000 {
		t.Fatalf("imported copy: %d, %v", n, err)
	}
	if err := b.Import("main.db", image); !errors.Is(err, stable.ErrInUse) {
		t.Fatalf("import over an open database: %v", err)
	}
}

// A real database over 4 GiB on an image file: opt-in, since it writes
// 4.5 GiB (STABLESQLITE_LONG=1 go test -run TestStableOver4GiB -timeout 30m ./driver).
func TestStableOver4GiB(t *testing.T) {
	if os.Getenv("STABLESQLITE_LONG") == "" {
		t.Skip("set STABLESQLITE_LONG=1 to build a database over 4 GiB")
	}
	image := filepath.Join(t.TempDir(), "big.img")
	img, err := stable.OpenImage(image, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	b, err := stable.New(img)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := driver.NewConnector(":memory:", driver.WithBackend(b, "main.db"))
	db := sql.OpenDB(c)
	defer db.Close()
	mustExec(t, db, "create table t(id integer primary key, v blob)")
	const rows = 4608 // 4.5 GiB of 1 MiB blobs
	for done := 0; done < rows; done += 64 {
		mustExec(t, db, `insert into t(v) with recursive c(x) as (select 1 union all select x+1 from c where x < 64)
			select randomblob(1048576) from c`)
	}
	var size int64
	var n int
	if err := db.QueryRow("select page_count * page_size from pragma_page_count, pragma_page_size").Scan(&size); err != nil {
		t.Fatal(err)
	}
	if size <= 4<<30 {
		t.Fatalf("database is %d bytes, not over 4 GiB", size)
	}
	// The last rows live past 4 GiB in the file: read them back.
	if err := db.QueryRow("select count(*) from t where id > ? and length(v) = 1048576", rows-100).Scan(&n); err != nil || n != 100 {
		t.Fatalf("rows past 4 GiB: %d, %v", n, err)
	}
	var check string
	if err := db.QueryRow("pragma quick_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("quick_check: %q, %v", check, err)
	}
	t.Logf("database of %d bytes in a %d-page image", size, img.Size())
}

// A transaction larger than the batch budget falls back to SQLite's
// rollback journal and is still atomic and correct.
func TestStableBatchFallsBackToJournal(t *testing.T) {
	db, b, mem := openStable(t, 0)
	db.SetMaxOpenConns(1)
	fill(t, db, 100)
	b.SetBatchBudget(64 << 10)
	commits := b.Stats().Total.Commits
	mustExec(t, db, "insert into t(v) select randomblob(1000) from t, t as u") // about 10 MB
	// A batch commits once; the journal protocol commits at each of SQLite's syncs.
	if n := b.Stats().Total.Commits - commits; n < 2 {
		t.Fatalf("the transaction committed %d times: it did not fall back to a journal", n)
	}
	var n int
	var check string
	if err := db.QueryRow("select count(*), (select integrity_check from pragma_integrity_check) from t").Scan(&n, &check); err != nil || n != 10100 || check != "ok" {
		t.Fatalf("after a journaled transaction: %d rows, %q, %v", n, check, err)
	}
	// The journal existed (its pages were freed) and is gone now.
	for _, f := range b.Files() {
		if f.Name != "main.db" {
			t.Errorf("file %q left in the memory", f.Name)
		}
	}
	// A failing big transaction leaves no trace either.
	before := memBytes(t, mem)
	tx, _ := db.Begin()
	if _, err := tx.Exec("insert into t(v) select randomblob(1000) from t limit 5000"); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if !bytes.Equal(before, memBytes(t, mem)) {
		t.Fatal("a rolled-back journaled transaction changed the memory")
	}
}
