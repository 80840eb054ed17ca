// Package wasm runs SQLite compiled to WebAssembly (sqlite3.wasm, embedded)
// in wazero, and implements the host side of its ABI over a
// backend.Backend. ABI.md documents every import and export.
//
// The module is compiled once per process, lazily and safely for concurrent
// first use; each connection gets its own Instance (its own linear memory).
// Setting the environment variable STABLESQLITE_CACHE_DIR to a directory, or
// calling SetCacheDir before first use, keeps wazero's compiled code there
// so later processes start without compiling.
package wasm

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/tetratelabs/wazero"
)

// Binary is the embedded SQLite module.
//
//go:embed sqlite3.wasm
var Binary []byte

// CacheDirEnv names the environment variable that turns on the on-disk
// compilation cache.
const CacheDirEnv = "STABLESQLITE_CACHE_DIR"

// DefaultMemoryLimit is an instance's memory limit, in bytes, when the
// caller sets none.
const DefaultMemoryLimit = 512 << 20

const pageSize = 64 << 10

var (
	mu       sync.Mutex
	cache    wazero.CompilationCache
	cacheDir string
	engines  = map[uint32]*engine{} // by memory limit in pages
)

// SetCacheDir sets the directory of the on-disk compilation cache. It must be
// called before the first instance is created; it overrides
// STABLESQLITE_CACHE_DIR.
func SetCacheDir(dir string) error {
	mu.Lock()
	defer mu.Unlock()
	if cache != nil {
		return errors.New("wasm: SetCacheDir called after the module was compiled")
	}
	cacheDir = dir
	return nil
}

// engine is a wazero runtime with the module compiled in it. wazero sets the
// memory limit per runtime, so there is one engine per distinct limit; they
// share one compilation cache, so only the first compiles.
type engine struct {
	once     sync.Once
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	err      error
}

func engineFor(limitPages uint32) *engine {
	mu.Lock()
	defer mu.Unlock()
	if cache == nil {
		dir := cacheDir
		if dir == "" {
			dir = os.Getenv(CacheDirEnv)
		}
		if dir != "" {
			if c, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
				cache = c
			}
		}
		if cache == nil {
			cache = wazero.NewCompilationCache()
		}
	}
	e := engines[limitPages]
	if e == nil {
		e = &engine{}
		engines[limitPages] = e
	}
	return e
}

func (e *engine) init(limitPages uint32) error {
	e.once.Do(func() {
		ctx := context.Background()
		cfg := wazero.NewRuntimeConfig().
			WithCompilationCache(cache).
			WithMemoryLimitPages(limitPages)
		r := wazero.NewRuntimeWithConfig(ctx, cfg)
		if err := exportHost(ctx, r); err != nil {
			e.err = err
			return
		}
		compiled, err := r.CompileModule(ctx, Binary)
		if err != nil {
			e.err = fmt.Errorf("wasm: compiling sqlite3.wasm: %w", err)
			return
		}
		e.runtime, e.compiled = r, compiled
	})
	return e.err
}

// Compiled returns the compiled module (with the default memory limit), for
// tools and tests that inspect its imports and exports.
func Compiled() (wazero.CompiledModule, error) {
	limit := uint32(DefaultMemoryLimit / pageSize)
	e := engineFor(limit)
	if err := e.init(limit); err != nil {
		return nil, err
	}
	return e.compiled, nil
}
