package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
)

// meteredStable opens a metered pool of one connection on main.db in mem.
func meteredStable(t *testing.T, mem stable.Memory) (*sql.DB, *stable.Backend) {
	t.Helper()
	b, err := stable.New(mem)
	if err != nil {
		t.Fatal(err)
	}
	c, err := driver.NewConnector("", driver.WithBackend(b, "main.db"), driver.WithMetering(0))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db, b
}

// What typical work costs on a stable memory, in the platform's
// instructions (the guest's, plus the charge of its calls on the memory),
// beside the figures published for other SQLite ports to the Internet
// Computer; the figures in backend/stable/README.md come from here
// (go test -v -run TestStableInstructionFigures ./driver).
func TestStableInstructionFigures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	img, err := stable.OpenImage(filepath.Join(dir, "figures.img"), 0)
	if err != nil {
		t.Fatal(err)
	}
	db, b := meteredStable(t, img)
	report := func(what string, st stable.Stats, per uint64, target uint64) {
		t.Helper()
		t.Logf("%-52s guest %11d  API %10d  total %11d  per unit %7d", what, st.Instructions, st.APIInstructions, st.Charge(), st.Charge()/per)
		if target > 0 && st.Charge()/per > target {
			t.Errorf("%s: %d instructions per unit, target %d", what, st.Charge()/per, target)
		}
	}
	mustExec(t, db, "create table t(id integer primary key, name text, v integer)")
	// Bulk insert in one transaction, 10,000 rows with a prepared statement.
	const bulk = 10_000
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.Prepare("insert into t(name, v) values (?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	for i := range bulk {
		if _, err := st.Exec(fmt.Sprintf("name %d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	report("bulk insert, per row (10,000 rows, one transaction)", b.Stats().Last, bulk, 10_000)
	mustExec(t, db, "insert into t(name, v) select 'name ' || x, x from (with recursive c(x) as (select 1 union all select x+1 from c limit 90000) select x from c)")
	// One autocommit insert into the 100,000-row table.
	mustExec(t, db, "insert into t(name, v) values ('one more', 1)")
	report("autocommit insert of one row (100,000-row table)", b.Stats().Last, 1, 100_000)
	// A point read by key, the pages cached.
	var name string
	for range 3 {
		if err := db.QueryRow("select name from t where id = ?", 54321).Scan(&name); err != nil {
			t.Fatal(err)
		}
	}
	// ic-sqlite-vfs's figure is 10,000; the target is 8,000.
	report("cached point read by key", b.Stats().Last, 1, 8_000)
	// A full scan.
	var n int
	if err := db.QueryRow("select count(*) from t where v >= 0 and name <> ''").Scan(&n); err != nil || n != 100_001 {
		t.Fatalf("scan: %d, %v", n, err)
	}
	report("full scan of 100,001 rows", b.Stats().Last, 1, 0)
	db.Close()
	img.Close()

	// The first query after reopening the image: a new process's.
	img, err = stable.OpenImage(filepath.Join(dir, "figures.img"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	db, b = meteredStable(t, img)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, "select name from t where id = ?", 54321).Scan(&name); err != nil {
		t.Fatal(err)
	}
	in, _ := driver.InstructionsOf(conn)
	st2 := b.Stats().Last
	t.Logf("%-52s guest %11d  API %10d  total %11d (the connection's whole start: %d)", "cold first query after reopening the image", st2.Instructions, st2.APIInstructions, st2.Charge(), in.Total)
}
