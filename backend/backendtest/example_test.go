package backendtest_test

import (
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/backendtest"
	"github.com/stablesqlite/stablesqlite/backend/file"
	"github.com/stablesqlite/stablesqlite/backend/heap"
)

// Run needs the *testing.T of a test, so this example only compiles: the
// function literal is what a backend's _test.go file declares as
// func TestConformance(t *testing.T), and go test runs one subtest per
// behaviour (go test -run TestConformance/LockPending runs one of them).
func ExampleRun() {
	testConformance := func(t *testing.T) {
		backendtest.Run(t, func(t *testing.T) (backend.Backend, func(string) string) {
			// An in-memory backend: a new, empty one per subtest, and
			// names as the DSN gives them ("file:/test.db?vfs=...").
			return heap.New(), func(base string) string { return "/" + base }
		})
	}
	_ = testConformance
}

// A Factory for a backend on a file system puts every subtest's files in
// a directory of its own, which the testing package removes afterwards.
// Like Run, it needs a test's *testing.T, so this example only compiles.
func ExampleFactory() {
	var newFileBackend backendtest.Factory = func(t *testing.T) (backend.Backend, func(string) string) {
		dir := t.TempDir()
		return file.New(), func(base string) string { return filepath.Join(dir, base) }
	}
	testConformance := func(t *testing.T) { backendtest.Run(t, newFileBackend) }
	_ = testConformance
}
