// Package modernc runs the workloads on modernc.org/sqlite (SQLite
// translated from C to Go).
//
//	go test -bench . ./modernc
package modernc

import (
	"database/sql"
	"testing"

	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/stablesqlite/stablesqlite/bench/workload"
)

var drv = workload.Driver{
	Name: "Modernc",
	Open: func(tb testing.TB, path string) *sql.DB { return workload.Open(tb, "sqlite", path) },
}

func BenchmarkModernc(b *testing.B) { workload.Run(b, drv) }

func TestChild(t *testing.T) { workload.Child(t, drv) }
