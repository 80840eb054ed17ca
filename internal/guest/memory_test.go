package guest

import (
	"context"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stablesqlite/stablesqlite/backend/heap"
)

// A guest's memory grows in place up to its limit; past it, SQLite gets
// SQLITE_NOMEM and the instance goes on.
func TestMemoryGrowsInPlaceToItsLimit(t *testing.T) {
	inst, err := New(Config{Backend: heap.New(), MemoryLimit: 24 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	defer inst.Watch(context.Background())()
	base := unsafe.SliceData(inst.memory.region.bytes)
	db := open(t, inst, "/m")
	if n := queryInt(t, inst, db, "select length(randomblob(8*1024*1024))"); n != 8<<20 {
		t.Fatalf("length %d", n)
	}
	if size := inst.mem.Size(); size < 8<<20 {
		t.Fatalf("memory did not grow: %d bytes", size)
	}
	if runtime.GOOS != "windows" && runtime.GOOS != "plan9" && unsafe.SliceData(inst.memory.region.bytes) != base {
		t.Fatal("the memory moved when it grew")
	}
	if _, rc := query(t, inst, db, "select length(randomblob(30*1024*1024))"); rc != 7 {
		t.Fatalf("a value past the limit: rc %d, want SQLITE_NOMEM", rc)
	}
	if n := queryInt(t, inst, db, "select 40 + 2"); n != 42 {
		t.Fatalf("after SQLITE_NOMEM: %d", n)
	}
}
