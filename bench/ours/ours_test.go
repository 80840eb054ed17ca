// Package ours runs the workloads on this repository's driver, on three
// backends: ordinary files (the one compared with the peers), the heap
// (in-process memory) and an in-process stable memory.
//
//	go test -bench . ./ours
//	go test -bench OursFile ./ours
package ours

import (
	"context"
	"database/sql"
	"net/url"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/heap"
	_ "github.com/stablesqlite/stablesqlite/driver" // registers "stablesqlite"
	"github.com/stablesqlite/stablesqlite/wasm"

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

// settle waits for the compiled code, which a fresh process makes ready in
// the background from its first sql.Open.
func settle(tb testing.TB) {
	if err := wasm.Ready(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// compiled waits, in the benchmark process, for the compiled code (loaded
// from the cache or compiled), so that the in-process workloads measure the
// steady state. The child processes do not wait: they measure what a fresh
// process sees.
func compiled(tb testing.TB) {
	if !workload.InChild() {
		if err := wasm.Ready(context.Background()); err != nil {
			tb.Fatal(err)
		}
	}
}

var (
	file = workload.Driver{
		Name: "OursFile",
		Open: func(tb testing.TB, path string) *sql.DB {
			compiled(tb)
			return workload.Open(tb, "stablesqlite", path)
		},
		Settle: settle,
	}
	// The heap database is named by the path (it is never written there)
	// and dropped when the test ends.
	heapDrv = workload.Driver{
		Name: "OursHeap",
		Open: func(tb testing.TB, path string) *sql.DB {
			compiled(tb)
			tb.Cleanup(func() { heap.Default.Drop(path) }) // runs after the pool's Close
			return workload.Open(tb, "stablesqlite", "file:"+path+"?vfs=heap")
		},
		InMemory: true,
		Settle:   settle,
	}
	// One in-process stable memory per path, holding main.db. Named
	// memories live as long as the process.
	stableDrv = workload.Driver{
		Name: "OursStable",
		Open: func(tb testing.TB, path string) *sql.DB {
			compiled(tb)
			return workload.Open(tb, "stablesqlite", "file:main.db?vfs=stable&memory="+url.QueryEscape(path), stablePragmas...)
		},
		Pragmas:  stablePragmas,
		InMemory: true,
		Settle:   settle,
	}
)

func BenchmarkOursFile(b *testing.B)   { workload.Run(b, file) }
func BenchmarkOursHeap(b *testing.B)   { workload.Run(b, heapDrv) }
func BenchmarkOursStable(b *testing.B) { workload.Run(b, stableDrv) }

func TestChild(t *testing.T) { workload.Child(t, file, heapDrv, stableDrv) }
