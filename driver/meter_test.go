package driver_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
)

// meterWorkload runs a fixed piece of work on a new metered in-memory
// database and returns each statement's instruction count.
func meterWorkload(t *testing.T) []uint64 {
	t.Helper()
	c, err := driver.NewConnector(":memory:", driver.WithMetering(0))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var counts []uint64
	for _, q := range []string{
		"create table t(id integer primary key, name text, v real)",
		"insert into t select x, 'name ' || x, x * 0.5 from (with recursive c(x) as (select 1 union all select x+1 from c limit 2000) select x from c)",
		"select sum(v), count(distinct name) from t",
		"create index tn on t(name)",
		"select id from t where name = 'name 1234'",
	} {
		rows, err := conn.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
		}
		rows.Close()
		in, err := driver.InstructionsOf(conn)
		if err != nil {
			t.Fatal(err)
		}
		if in.LastStatement == 0 {
			t.Fatalf("%s: no instructions counted", q)
		}
		counts = append(counts, in.LastStatement)
	}
	return counts
}

// The same statements on the same database count the same instructions in
// every run, on the compiler and on the interpreter (child processes, so
// that both start from the same state: functions other tests registered
// for every connection change what SQLite's lookups execute).
func TestInstructionsAreDeterministic(t *testing.T) {
	if os.Getenv("STABLESQLITE_METER_CHILD") != "" {
		fmt.Printf("counts: %v\n", meterWorkload(t))
		return
	}
	first, second := meterWorkload(t), meterWorkload(t)
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Fatalf("two runs counted %v and %v", first, second)
	}
	child := func(engine string) string {
		cmd := osexec.Command(os.Args[0], "-test.run=^TestInstructionsAreDeterministic$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STABLESQLITE_METER_CHILD=1", "STABLESQLITE_ENGINE="+engine)
		out, err := cmd.CombinedOutput()
		line, _, _ := strings.Cut(string(out), "\n")
		if err != nil || !strings.HasPrefix(line, "counts: ") {
			t.Fatalf("on the %s: %v\n%s", engine, err, out)
		}
		return line
	}
	if compiled, interpreted := child("compiler"), child("interpreter"); compiled != interpreted {
		t.Fatalf("the compiler %s, the interpreter %s", compiled, interpreted)
	}
	t.Logf("per statement: %v", first)
}

// A statement that passes its budget stops with an error wrapping
// ErrBudget (and SQLITE_INTERRUPT), and the connection goes on.
func TestStatementBudget(t *testing.T) {
	c, err := driver.NewConnector(":memory:", driver.WithMetering(50_000_000))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1)
	var n int
	err = db.QueryRow("with recursive c(x) as (select 1 union all select x+1 from c limit 100000000) select count(*) from c").Scan(&n)
	if !errors.Is(err, driver.ErrBudget) || !errors.Is(err, driver.ErrInterrupt) {
		t.Fatalf("over the budget: %v", err)
	}
	if err := db.QueryRow("select 40 + 2").Scan(&n); err != nil || n != 42 {
		t.Fatalf("after: %d, %v", n, err)
	}
}

// A query message over its limit stops with the budget error, leaves the
// memory byte for byte as it was, and the next query is fine.
func TestMessageInstructionLimit(t *testing.T) {
	mem := stable.NewMemory(0)
	b, err := stable.New(mem)
	if err != nil {
		t.Fatal(err)
	}
	c, err := driver.NewConnector("", driver.WithBackend(b, "main.db"), driver.WithMetering(0))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(x); insert into t values (1), (2)")
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	before := snapshot(t, mem)
	b.EnforceLimits(&stable.Limits{MaxInstructions: 20_000_000})
	err = stable.QueryMessage(ctx, conn, func(c *sql.Conn) error {
		if _, err := c.ExecContext(ctx, "insert into t values (3)"); err != nil {
			return err
		}
		var n int
		return c.QueryRowContext(ctx, "with recursive c(x) as (select 1 union all select x+1 from c limit 100000000) select count(*) from c").Scan(&n)
	})
	if !errors.Is(err, driver.ErrBudget) {
		t.Fatalf("a query message over its limit: %v", err)
	}
	if after := snapshot(t, mem); !bytes.Equal(before, after) {
		t.Fatal("the memory changed")
	}
	if last := b.Stats().Last; last.Traps != 1 || last.Charge() < 20_000_000 {
		t.Fatalf("the message: %d traps, charge %d", last.Traps, last.Charge())
	}
	b.EnforceLimits(nil)
	var n int
	if err := conn.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("the next query: %d, %v", n, err)
	}
}

// snapshot copies a memory's bytes.
func snapshot(t *testing.T, mem stable.Memory) []byte {
	t.Helper()
	out := make([]byte, mem.Size()*stable.PageSize)
	if err := mem.ReadAt(out, 0); err != nil {
		t.Fatal(err)
	}
	return out
}
