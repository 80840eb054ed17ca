package conformance

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

var seq atomic.Int64

// uniqueName names an in-process database or memory, unique in the process
// (so that go test -count=N starts afresh each time).
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, seq.Add(1))
}

// backends returns a DSN for a fresh database on each backend.
func backends(t *testing.T) map[string]string {
	name := uniqueName("conf") + "_" + strings.ReplaceAll(t.Name(), "/", "_")
	return map[string]string{
		"heap":     "file:/" + name + "?vfs=heap",
		"file":     filepath.Join(t.TempDir(), "c.db"),
		"file-wal": filepath.Join(t.TempDir(), "w.db") + "?_journal_mode=WAL&_sync=NORMAL",
		"stable":   "file:main.db?vfs=stable&memory=" + name,
		// The metered module must answer as the plain one does.
		"stable-metered": "file:main.db?vfs=stable&_meter=1&memory=" + name + "m",
	}
}

// TestSQL checks the database/sql behaviours (sql.go) on every backend of
// this module.
func TestSQL(t *testing.T) { RunSQL(t, backends) }
