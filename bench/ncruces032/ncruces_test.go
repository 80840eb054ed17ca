// Package ncruces032 runs the workloads on github.com/ncruces/go-sqlite3
// v0.32.0, which runs SQLite's Wasm build in wazero. It is a module of its
// own because v0.35 is compared too and both register "sqlite3".
//
//	cd ncruces032 && go test -bench .
package ncruces032

import (
	"database/sql"
	"os"
	"testing"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
	_ "github.com/ncruces/go-sqlite3/embed"  // sets sqlite3.Binary
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/stablesqlite/stablesqlite/bench/workload"
)

// cacheEnv names the directory of a wazero compilation cache for this
// driver. v0.32 has no such setting of its own, but it compiles with
// sqlite3.RuntimeConfig when that is set before the first connection; with
// this variable set, init sets it to the configuration the driver uses by
// default (256 MiB memory limit, core features v2) plus the on-disk cache.
const cacheEnv = "STABLESQLITE_BENCH_NCRUCES_CACHE_DIR"

func init() {
	dir := os.Getenv(cacheEnv)
	if dir == "" {
		return
	}
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		panic(err)
	}
	sqlite3.RuntimeConfig = wazero.NewRuntimeConfig().
		WithMemoryLimitPages(4096).
		WithCoreFeatures(api.CoreFeaturesV2).
		WithCompilationCache(cache)
}

var drv = workload.Driver{
	Name:     "Ncruces032",
	Open:     func(tb testing.TB, path string) *sql.DB { return workload.Open(tb, "sqlite3", "file:"+path) },
	CacheEnv: cacheEnv,
}

func BenchmarkNcruces032(b *testing.B) { workload.Run(b, drv) }

func TestChild(t *testing.T) { workload.Child(t, drv) }
