package guest

import (
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/heap"
)

// A memory limit below what the module starts with is an error, not a
// panic inside wazero.
func TestMemoryLimitBelowInitial(t *testing.T) {
	_, err := New(Config{Backend: heap.New(), MemoryLimit: 512 << 10})
	if err == nil || !strings.Contains(err.Error(), "below") {
		t.Fatalf("a 512 KiB limit: %v", err)
	}
}
