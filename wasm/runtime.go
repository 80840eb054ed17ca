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
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

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
	onDisk   bool // cache is a directory: compiled code survives the process
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

// module is sqlite3.wasm compiled in one wazero runtime.
type module struct {
	runtime     wazero.Runtime
	compiled    wazero.CompiledModule
	interpreted bool
}

// engine holds the module for one memory limit (wazero sets the limit per
// runtime, so there is one engine per distinct limit; they share one
// compilation cache, so only the first compiles).
//
// Compiling the module with wazero's optimising compiler takes about a
// second; its interpreter is ready in about a tenth of that. So, unless
// told otherwise, the compiler runs in the background while the first
// connections run on the interpreter; once it is done, new connections get
// compiled code and each interpreted one moves to it at its next call (see
// Instance.migrate), in the middle of a transaction if need be.
type engine struct {
	limit uint32

	compileOnce sync.Once
	compileDone chan struct{} // closed when the compiler has finished
	compiled    *module
	compileErr  error

	interpOnce  sync.Once
	interp      *module
	interpErr   error
	interpUsers atomic.Int32 // instances still on the interpreter
}

// EngineEnv names the environment variable that chooses how the module
// runs: "auto" (the default: interpreter first, compiler in the background;
// with an on-disk compilation cache, the compiler, which is then fast after
// the first process), "compiler" (wait for the compiler), or "interpreter"
// (never compile).
const EngineEnv = "STABLESQLITE_ENGINE"

// interpreterWait is how long a first connection waits for the compiler
// before it settles for the interpreter.
const interpreterWait = 20 * time.Millisecond

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
				cache, onDisk = c, true
			}
		}
		if cache == nil {
			cache = wazero.NewCompilationCache()
		}
	}
	e := engines[limitPages]
	if e == nil {
		e = &engine{limit: limitPages, compileDone: make(chan struct{})}
		engines[limitPages] = e
	}
	return e
}

func newModule(cfg wazero.RuntimeConfig, limit uint32, interpreted bool) (*module, error) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, cfg.WithMemoryLimitPages(limit))
	if err := exportHost(ctx, r); err != nil {
		return nil, err
	}
	compiled, err := r.CompileModule(ctx, Binary)
	if err != nil {
		return nil, fmt.Errorf("wasm: compiling sqlite3.wasm: %w", err)
	}
	return &module{runtime: r, compiled: compiled, interpreted: interpreted}, nil
}

// startCompiler starts the optimising compiler, once.
func (e *engine) startCompiler() {
	e.compileOnce.Do(func() {
		go func() {
			e.compiled, e.compileErr = newModule(wazero.NewRuntimeConfig().WithCompilationCache(cache), e.limit, false)
			close(e.compileDone)
			e.releaseInterpreter()
			// The compiler's garbage is large: give it back now.
			debug.FreeOSMemory()
		}()
	})
}

// ready reports whether compiled code is available.
func (e *engine) ready() bool {
	select {
	case <-e.compileDone:
		return e.compileErr == nil
	default:
		return false
	}
}

// pick returns the module a new instance should use.
func (e *engine) pick() (*module, error) {
	mode := os.Getenv(EngineEnv)
	if mode == "interpreter" {
		return e.interpreter()
	}
	e.startCompiler()
	// With an on-disk cache the compiler answers in a few tens of
	// milliseconds once the cache is warm, and a short-lived process must
	// let it finish once to warm it: wait for it.
	if mode == "compiler" || onDisk {
		<-e.compileDone
		return e.compiled, e.compileErr
	}
	select {
	case <-e.compileDone:
		if e.compileErr == nil {
			return e.compiled, nil
		}
	case <-time.After(interpreterWait):
	}
	return e.interpreter()
}

// releaseInterpreter closes the interpreter's runtime once compiled code is
// ready and no instance runs on it any more: its code is large.
func (e *engine) releaseInterpreter() {
	mu.Lock()
	defer mu.Unlock()
	if e.interp != nil && e.interpUsers.Load() == 0 && e.ready() {
		e.interp.runtime.Close(context.Background())
		e.interp = nil
	}
}

func (e *engine) interpreter() (*module, error) {
	e.interpOnce.Do(func() {
		e.interp, e.interpErr = newModule(wazero.NewRuntimeConfigInterpreter(), e.limit, true)
	})
	return e.interp, e.interpErr
}

// Ready waits until compiled code is available for instances with the
// default memory limit (a benchmark calls it so that it measures compiled
// code only).
func Ready(ctx context.Context) error {
	e := engineFor(uint32(DefaultMemoryLimit / pageSize))
	e.startCompiler()
	select {
	case <-e.compileDone:
		return e.compileErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Compiled returns the compiled module (with the default memory limit), for
// tools and tests that inspect its imports and exports.
func Compiled() (wazero.CompiledModule, error) {
	m, err := engineFor(uint32(DefaultMemoryLimit / pageSize)).pick()
	if err != nil {
		return nil, err
	}
	return m.compiled, nil
}
