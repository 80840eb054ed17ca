// Package ncruces035 runs the workloads on github.com/ncruces/go-sqlite3
// v0.35.6, which translates SQLite's Wasm build to Go with wasm2go (nothing
// is compiled at run time, and the embed package is no longer needed). It
// is a module of its own because v0.32 is compared too and both register
// "sqlite3".
//
//	cd ncruces035 && go test -bench .
package ncruces035

import (
	"database/sql"
	"testing"

	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"

	"github.com/stablesqlite/stablesqlite/bench/workload"
)

var drv = workload.Driver{
	Name: "Ncruces035",
	Open: func(tb testing.TB, path string) *sql.DB { return workload.Open(tb, "sqlite3", "file:"+path) },
}

func BenchmarkNcruces035(b *testing.B) { workload.Run(b, drv) }

func TestChild(t *testing.T) { workload.Child(t, drv) }
