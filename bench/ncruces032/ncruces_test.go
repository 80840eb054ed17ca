// Package ncruces032 runs the workloads on github.com/ncruces/go-sqlite3
// v0.32.0, which runs SQLite's Wasm build in wazero. It is a module of its
// own because v0.35 is compared too and both register "sqlite3".
//
//	cd ncruces032 && go test -bench .
package ncruces032

import (
	"database/sql"
	"testing"

	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
	_ "github.com/ncruces/go-sqlite3/embed"  // sets sqlite3.Binary

	"github.com/stablesqlite/stablesqlite/bench/workload"
)

var drv = workload.Driver{
	Name: "Ncruces032",
	Open: func(tb testing.TB, path string) *sql.DB { return workload.Open(tb, "sqlite3", "file:"+path) },
}

func BenchmarkNcruces032(b *testing.B) { workload.Run(b, drv) }

func TestChild(t *testing.T) { workload.Child(t, drv) }
