package wasm

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend/heap"
)

// freshLimit hands out memory limits no other test uses: each is an engine
// of its own, whose compiler has not started.
var freshLimit atomic.Int64

// newEngine returns a memory limit whose engine has not been used yet.
func newEngine() int64 { return (300 + freshLimit.Add(1)) << 20 }

// newInterpreted starts an instance on the interpreter of the engine for
// limit, whose compiler has not started.
func newInterpreted(t *testing.T, limit int64) *Instance {
	t.Helper()
	t.Setenv(EngineEnv, "interpreter")
	inst, err := New(Config{Backend: heap.New(), MemoryLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close() })
	if !inst.interpreted || inst.engine.started.Load() {
		t.Fatal("the instance did not start on the interpreter of a fresh engine")
	}
	return inst
}

// interpretedWork leaves inst in the middle of its work: an open
// transaction on a temp table and a prepared statement.
func interpretedWork(t *testing.T, inst *Instance) (db, stmt uint32) {
	t.Helper()
	db, rc, err := inst.Open("/m", 6)
	if err != nil || rc != 0 {
		t.Fatal(rc, err)
	}
	for _, q := range []string{"create temp table t(x)", "begin", "insert into t values (1), (2)"} {
		if rc, err := inst.ExecSQL(db, q); err != nil || rc != 0 {
			t.Fatalf("%s: %d %v", q, rc, err)
		}
	}
	stmt, _, rc, err = inst.Prepare(db, "select sum(x) from t", true)
	if err != nil || rc != 0 {
		t.Fatal(rc, err)
	}
	return db, stmt
}

// checkMoved runs more work on inst, which must have left the interpreter
// with its SQLite state intact.
func checkMoved(t *testing.T, inst *Instance, db, stmt uint32) {
	t.Helper()
	if rc, err := inst.ExecSQL(db, "insert into t values (3)"); err != nil || rc != 0 {
		t.Fatalf("after the move: %d %v", rc, err)
	}
	if inst.interpreted {
		t.Fatal("still on the interpreter after the compiler started")
	}
	inst.ResetArgs(stmt, 0)
	if rc, err := inst.Step(stmt, 1); err != nil || rc != 100 || inst.Row(1).Int(0) != 6 {
		t.Fatalf("the statement prepared before the move: %d %v", rc, err)
	}
	inst.Finalize(stmt)
	if rc, err := inst.ExecSQL(db, "commit"); err != nil || rc != 0 {
		t.Fatalf("commit after the move: %d %v", rc, err)
	}
}

// An instance that starts on the interpreter moves to compiled code that
// is ready, in the middle of its work, with its SQLite state (an open
// transaction, a prepared statement, a temp table) intact; the interpreter
// is released after it.
func TestMoveToReadyCompiledCode(t *testing.T) {
	inst := newInterpreted(t, newEngine())
	db, stmt := interpretedWork(t, inst)
	e := inst.engine
	e.startCompiler()
	<-e.compileDone
	if e.compileErr != nil {
		t.Fatal(e.compileErr)
	}
	checkMoved(t, inst, db, stmt)
	if e.interp != nil {
		t.Fatal("the interpreter was not released after its last instance moved")
	}
}

// When the compiler starts, an interpreted instance leaves the interpreter
// at its next call, before the compiler has finished, so that the
// interpreter is released first (the compiler waits for that); the call
// then runs on compiled code with the instance's state intact.
func TestMoveWhileCompiling(t *testing.T) {
	limit := newEngine()
	inst := newInterpreted(t, limit)
	db, stmt := interpretedWork(t, inst)
	e := inst.engine
	e.startCompiler()
	checkMoved(t, inst, db, stmt)
	select {
	case <-e.interpFreed:
	default:
		t.Fatal("the interpreter was not released")
	}
	// A new instance of the engine goes straight to compiled code.
	other, err := New(Config{Backend: heap.New(), MemoryLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.interpreted {
		t.Fatal("a new instance started on a released interpreter")
	}
}

// The compiler starts by itself once interpreted calls have used up the
// interpreter's budget, and not before (a call that outlasts the budget
// starts it from SQLite's progress handler; shorter ones when they end).
func TestInterpreterBudgetStartsCompiler(t *testing.T) {
	inst := newInterpreted(t, newEngine())
	inst.mayCompile = true
	defer inst.Watch(context.Background())()
	start := time.Now() // before the first interpreted call: they all count
	db, rc, err := inst.Open("/b", 6)
	if err != nil || rc != 0 {
		t.Fatal(rc, err)
	}
	for !inst.engine.started.Load() {
		if time.Since(start) > 30*time.Second {
			t.Fatal("the compiler never started")
		}
		q := "with recursive c(n) as (select 1 union all select n+1 from c where n < 3000) select count(*) from c"
		if rc, err := inst.ExecSQL(db, q); err != nil || rc != 0 {
			t.Fatal(rc, err)
		}
	}
	if elapsed := time.Since(start); elapsed < interpreterBudget {
		t.Fatalf("the compiler started after %v of interpreted work, before the budget of %v", elapsed, interpreterBudget)
	}
}

// Several connections to one WAL database, each on the interpreter and
// writing in its own goroutine, move to compiled code while they work
// (some in the middle of a transaction, some waiting for the write lock);
// no write is lost and the database stays sound.
func TestConcurrentMoveToCompiledCode(t *testing.T) {
	const conns, txs, rows = 4, 30, 5
	be := heap.New()
	limit := newEngine()
	insts := make([]*Instance, conns)
	dbs := make([]uint32, conns)
	for k := range insts {
		insts[k] = newInterpreted(t, limit)
		insts[k].env.backend = be
		defer insts[k].Watch(context.Background())()
		db, rc, err := insts[k].Open("/c", 6)
		if err != nil || rc != 0 {
			t.Fatal(rc, err)
		}
		insts[k].BusyTimeout(db, 10_000)
		dbs[k] = db
	}
	for _, q := range []string{"pragma journal_mode=wal", "create table t(k, n)"} {
		if rc, err := insts[0].ExecSQL(dbs[0], q); err != nil || rc != 0 {
			t.Fatalf("%s: %d %v", q, rc, err)
		}
	}
	errs := make(chan error, conns)
	for k := range insts {
		go func() {
			inst, db := insts[k], dbs[k]
			for n := range txs {
				q := "begin immediate"
				for r := range rows {
					q += fmt.Sprintf("; insert into t values (%d, %d)", k, n*rows+r)
				}
				if rc, err := inst.ExecSQL(db, q+"; commit"); err != nil || rc != 0 {
					errs <- fmt.Errorf("connection %d, transaction %d: %d %v", k, n, rc, err)
					return
				}
			}
			errs <- nil
		}()
	}
	time.Sleep(20 * time.Millisecond)
	e := insts[0].engine
	e.startCompiler()
	for range insts {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	<-e.compileDone
	for k, inst := range insts {
		if inst.interpreted {
			t.Fatalf("connection %d is still on the interpreter", k)
		}
	}
	stmt, _, rc, err := insts[1].Prepare(dbs[1], "select count(*), count(distinct k*1000+n), (select group_concat(integrity_check) from pragma_integrity_check) from t", false)
	if err != nil || rc != 0 {
		t.Fatal(rc, err)
	}
	defer insts[1].Finalize(stmt)
	if rc, err := insts[1].Step(stmt, 3); err != nil || rc != 100 {
		t.Fatal(rc, err)
	}
	row := insts[1].Row(3)
	if n, distinct, check := row.Int(0), row.Int(1), string(row.Bytes(2)); n != conns*txs*rows || distinct != n || check != "ok" {
		t.Fatalf("after the move: %d rows, %d distinct, integrity %q", n, distinct, check)
	}
}
