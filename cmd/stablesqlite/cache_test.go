package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/wasm"
)

// TestMain shares wazero's compiled code between this test binary and the
// child processes some tests start, so each does not compile the module
// again (which takes seconds under the race detector).
func TestMain(m *testing.M) {
	if os.Getenv(wasm.CacheDirEnv) == "" {
		os.Setenv(wasm.CacheDirEnv, filepath.Join(os.TempDir(), "stablesqlite-test-cache"))
	}
	os.Exit(m.Run())
}
