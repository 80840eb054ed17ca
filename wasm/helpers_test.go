package wasm

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain shares wazero's compiled code between test runs (and keeps the
// tests out of the user's own cache directory).
func TestMain(m *testing.M) {
	if os.Getenv(CacheDirEnv) == "" {
		os.Setenv(CacheDirEnv, filepath.Join(os.TempDir(), "stablesqlite-test-cache"))
	}
	os.Exit(m.Run())
}

func execOK(t *testing.T, inst *Instance, db uint32, q string) {
	t.Helper()
	if rc, err := inst.ExecSQL(db, q); err != nil || rc != 0 {
		_, msg := inst.Errmsg(db)
		t.Fatalf("%s: rc %d %v %s", q, rc, err, msg)
	}
}

func open(t *testing.T, inst *Instance, name string) uint32 {
	t.Helper()
	db, rc, err := inst.Open(name, 6)
	if err != nil || rc != 0 {
		t.Fatal(rc, err)
	}
	return db
}

// queryInt runs a one-column query and returns its integer.
func queryInt(t *testing.T, inst *Instance, db uint32, q string) int64 {
	t.Helper()
	stmt, _, rc, err := inst.Prepare(db, q, false)
	if err != nil || rc != 0 {
		t.Fatal(q, rc, err)
	}
	defer inst.Finalize(stmt)
	inst.ResetArgs(stmt, 0)
	if rc, err := inst.Step(stmt, 1); err != nil || rc != 100 {
		_, msg := inst.Errmsg(db)
		t.Fatalf("%s: rc %d %v %s", q, rc, err, msg)
	}
	return inst.Row(1).Int(0)
}
