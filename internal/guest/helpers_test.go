package guest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/wasm"
)

// TestMain shares wazero's compiled code between test runs (and keeps the
// tests out of the user's own cache directory).
func TestMain(m *testing.M) {
	if os.Getenv(wasm.CacheDirEnv) == "" {
		os.Setenv(wasm.CacheDirEnv, filepath.Join(os.TempDir(), "stablesqlite-test-cache"))
	}
	os.Exit(m.Run())
}

// The tests here speak to SQLite through the raw exports (package sqlite
// is the typed layer above them).

// errmsg returns the connection's last error message.
func errmsg(inst *Instance, db uint32) string {
	p, _ := inst.Call(FnErrmsg, uint64(db))
	return inst.ReadCString(uint32(p))
}

func execOK(t *testing.T, inst *Instance, db uint32, q string) {
	t.Helper()
	p, err := inst.CString(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rc, err := inst.Call32(FnExecSQL, uint64(db), uint64(p), 0, 0, 0); err != nil || rc != 0 {
		t.Fatalf("%s: rc %d %v %s", q, rc, err, errmsg(inst, db))
	}
}

// open opens a connection (SQLITE_OPEN_READWRITE|CREATE) on the instance's
// own backend.
func open(t *testing.T, inst *Instance, name string) uint32 {
	t.Helper()
	vfs, err := inst.VFS(inst.Backend())
	if err != nil {
		t.Fatal(err)
	}
	p, err := inst.CString(name+"\x00"+vfs, 8)
	if err != nil {
		t.Fatal(err)
	}
	vfsPtr := uint64(0)
	if vfs != "" {
		vfsPtr = uint64(p) + uint64(len(name)) + 1
	}
	out, _ := inst.Scratch(8)
	rc, err := inst.Call32(FnOpen, uint64(p), 6, vfsPtr, uint64(out))
	db, _ := inst.Memory().ReadUint32Le(out)
	if err != nil || rc != 0 {
		t.Fatalf("open %s: rc %d %v %s", name, rc, err, errmsg(inst, db))
	}
	return db
}

// query runs a one-column query and returns its first row's slots, or
// the step's result code.
func query(t *testing.T, inst *Instance, db uint32, q string) (Slots, int32) {
	t.Helper()
	p, err := inst.CString(q, 8)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := inst.Scratch(8)
	if rc, err := inst.Call32(FnPrepare, uint64(db), uint64(p), uint64(len(q)), 0, uint64(out)); err != nil || rc != 0 {
		t.Fatalf("%s: rc %d %v %s", q, rc, err, errmsg(inst, db))
	}
	stmt, _ := inst.Memory().ReadUint32Le(out)
	row, err := inst.Malloc(SlotSize)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := inst.Call32(FnStep, uint64(stmt), 0, ^uint64(0), uint64(row), 1)
	if err != nil {
		t.Fatal(err)
	}
	// The row is copied out: finalizing the statement frees its text.
	s := ReadSlots(inst.Memory(), row, 1)
	s.slots = append([]byte(nil), s.slots...)
	inst.Call(FnFinalize, uint64(stmt))
	return s, rc
}

// queryInt runs a one-column query and returns its integer.
func queryInt(t *testing.T, inst *Instance, db uint32, q string) int64 {
	t.Helper()
	s, rc := query(t, inst, db, q)
	if rc != 100 {
		t.Fatalf("%s: rc %d %s", q, rc, errmsg(inst, db))
	}
	return s.Int(0)
}
