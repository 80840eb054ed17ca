package guest

import (
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/heap"
)

// The guest's stack lies below all of its data (sqlite-build links with
// --stack-first), so that overflowing it traps at address 0 instead of
// overwriting SQLite's globals: at instantiation the memory below the stack
// (what _initialize's own frames may have used aside) holds nothing.
func TestStackComesFirst(t *testing.T) {
	inst, err := New(Config{Backend: heap.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	sp := uint32(inst.mod.ExportedGlobal("__stack_pointer").Get())
	if sp < 896<<10 {
		t.Fatalf("the stack is %d bytes; SQLite's deepest recursion needs 896 KiB", sp)
	}
	low, _ := inst.mem.Read(0, sp-64<<10)
	for i, b := range low {
		if b != 0 {
			t.Fatalf("byte %d below the stack's top (%d) holds %#x: data lies under the stack", i, sp, b)
		}
	}
}
