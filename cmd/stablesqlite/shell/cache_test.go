package shell

import (
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/testcache"
)

// TestMain shares wazero's compiled code between test runs and child
// processes.
func TestMain(m *testing.M) { testcache.Main(m) }
