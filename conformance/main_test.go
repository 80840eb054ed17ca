package conformance

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/wasm"
)

// TestMain keeps wazero's compiled code between runs (compiling takes
// seconds under the race detector).
func TestMain(m *testing.M) {
	if os.Getenv(wasm.CacheDirEnv) == "" {
		os.Setenv(wasm.CacheDirEnv, filepath.Join(os.TempDir(), "stablesqlite-test-cache"))
	}
	os.Exit(m.Run())
}
