// Package ours runs the workloads on this repository's driver, on three
// backends: ordinary files (the one compared with the peers), the heap
// (in-process memory) and an in-process stable memory, the last also on
// the metered module (what counting instructions costs).
//
//	go test -bench . ./ours
//	go test -bench OursFile ./ours
package ours

import (
	"database/sql"
	"net/url"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/heap"
	_ "github.com/stablesqlite/stablesqlite/driver" // registers "stablesqlite"

	"github.com/stablesqlite/stablesqlite/bench/workload"
)

// stablePragmas leave the stable backend in its own journal mode: its
// volumes commit a transaction atomically without a journal (batch-atomic
// writes), which WAL would turn off. The busy timeout and synchronous=NORMAL
// are as for every driver.
var stablePragmas = []workload.Pragma{
	workload.DefaultPragmas[0],
	workload.DefaultPragmas[2],
}

var (
	file = workload.Driver{
		Name: "OursFile",
		Open: func(tb testing.TB, path string) *sql.DB {
			return workload.Open(tb, "stablesqlite", path)
		},
	}
	// The heap database is named by the path (it is never written there)
	// and dropped when the test ends.
	heapDrv = workload.Driver{
		Name: "OursHeap",
		Open: func(tb testing.TB, path string) *sql.DB {
			tb.Cleanup(func() { heap.Default.Drop(path) }) // runs after the pool's Close
			return workload.Open(tb, "stablesqlite", "file:"+path+"?vfs=heap")
		},
		InMemory: true,
	}
	// One in-process stable memory per path, holding main.db. Named
	// memories live as long as the process.
	stableDrv = workload.Driver{
		Name: "OursStable",
		Open: func(tb testing.TB, path string) *sql.DB {
			return workload.Open(tb, "stablesqlite", "file:main.db?vfs=stable&memory="+url.QueryEscape(path), stablePragmas...)
		},
		Pragmas:  stablePragmas,
		InMemory: true,
	}
	// The stable memory on the metered module (_meter=1), every statement
	// counted and under the default budget.
	stableMeteredDrv = workload.Driver{
		Name: "OursStableMetered",
		Open: func(tb testing.TB, path string) *sql.DB {
			return workload.Open(tb, "stablesqlite", "file:main.db?vfs=stable&_meter=1&memory="+url.QueryEscape(path), stablePragmas...)
		},
		Pragmas:  stablePragmas,
		InMemory: true,
	}
)

func BenchmarkOursFile(b *testing.B)          { workload.Run(b, file) }
func BenchmarkOursHeap(b *testing.B)          { workload.Run(b, heapDrv) }
func BenchmarkOursStable(b *testing.B)        { workload.Run(b, stableDrv) }
func BenchmarkOursStableMetered(b *testing.B) { workload.Run(b, stableMeteredDrv) }

func TestChild(t *testing.T) { workload.Child(t, file, heapDrv, stableDrv, stableMeteredDrv) }
