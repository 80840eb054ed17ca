package wasm

import (
	"context"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/heap"
)

// An instance that starts on the interpreter moves to compiled code in the
// middle of its work, with its SQLite state (an open transaction, a
// prepared statement, a temp table) intact.
func TestMigrateToCompiledCode(t *testing.T) {
	t.Setenv(EngineEnv, "interpreter")
	inst, err := New(Config{Backend: heap.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	if !inst.interpreted {
		t.Fatal("the instance did not start on the interpreter")
	}
	db, rc, err := inst.Open("/m", 6)
	if err != nil || rc != 0 {
		t.Fatal(rc, err)
	}
	for _, q := range []string{"create temp table t(x)", "begin", "insert into t values (1), (2)"} {
		if rc, err := inst.ExecSQL(db, q); err != nil || rc != 0 {
			t.Fatalf("%s: %d %v", q, rc, err)
		}
	}
	stmt, _, rc, err := inst.Prepare(db, "select sum(x) from t", true)
	if err != nil || rc != 0 {
		t.Fatal(rc, err)
	}
	if err := Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rc, err := inst.ExecSQL(db, "insert into t values (3)"); err != nil || rc != 0 {
		t.Fatalf("after the move: %d %v", rc, err)
	}
	if inst.interpreted {
		t.Fatal("still on the interpreter after compiled code was ready")
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
