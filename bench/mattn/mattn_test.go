// Package mattn runs the workloads on github.com/mattn/go-sqlite3 (cgo),
// the baseline of the comparison.
//
//	go test -bench . ./mattn
package mattn

import (
	"database/sql"
	"testing"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3"

	"github.com/stablesqlite/stablesqlite/bench/workload"
)

var drv = workload.Driver{
	Name: "Mattn",
	// A plain file name; the pragmas are applied by workload.Open.
	Open: func(tb testing.TB, path string) *sql.DB { return workload.Open(tb, "sqlite3", path) },
}

func BenchmarkMattn(b *testing.B) { workload.Run(b, drv) }

func TestChild(t *testing.T) { workload.Child(t, drv) }
