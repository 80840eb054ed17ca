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
// Compiling the module with wazero's optimising compiler takes about half a
// second and, at its peak, some 40 MiB; wazero's interpreter is ready in
// 70 ms, but its code takes some 25 MiB of its own. So, unless told
// otherwise, a fresh process starts its connections on the interpreter, and
// only once they have spent interpreterBudget in guest calls does the
// compiler start; every interpreted instance then moves to compiled code at
// its next call (see Instance.moveToCompiled), which frees the interpreter
// before the compiler's peak, so that the two never add up. A process that
// runs a few queries never compiles at all.
type engine struct {
	limit uint32

	started     atomic.Bool // the compiler has been started
	compileOnce sync.Once
	compileDone chan struct{} // closed when the compiler has finished
	compiled    *module
	compileErr  error

	interpOnce  sync.Once
	interp      *module
	interpErr   error
	interpUsers atomic.Int32  // instances still on the interpreter
	interpSpent atomic.Int64  // nanoseconds spent in interpreted guest calls
	interpFreed chan struct{} // closed when the interpreter has been released
}

// EngineEnv names the environment variable that chooses how the module
// runs: "auto" (the default: interpreter first, then the compiler; with an
// on-disk compilation cache, the compiler, which is then fast after the
// first process), "compiler" (wait for the compiler), or "interpreter"
// (never compile).
const EngineEnv = "STABLESQLITE_ENGINE"

// interpreterBudget is how much time a process's interpreted guest calls
// may take in all before the compiler starts. The first queries of a
// process (opening, preparing, a few lookups) take a few tens of
// milliseconds on the interpreter.
const interpreterBudget = 100 * time.Millisecond

// interpreterGrace is how long the compiler waits for the interpreted
// instances to move out (at their next call) before it starts anyway: a
// connection may be idle in a pool.
const interpreterGrace = 50 * time.Millisecond

// anyCompiled is set once some engine has compiled the module: the
// compilation cache then has it, so later engines compile in milliseconds
// and do not start on the interpreter.
var anyCompiled atomic.Bool

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
		e = &engine{limit: limitPages, compileDone: make(chan struct{}), interpFreed: make(chan struct{})}
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

// startCompiler starts the optimising compiler, once. Interpreted
// instances move to compiled code at their next call from now on.
func (e *engine) startCompiler() {
	e.compileOnce.Do(func() {
		e.started.Store(true)
		go func() {
			mu.Lock()
			live := e.interp != nil
			mu.Unlock()
			if live {
				select {
				case <-e.interpFreed:
				case <-time.After(interpreterGrace):
				}
			}
			e.compiled, e.compileErr = newModule(wazero.NewRuntimeConfig().WithCompilationCache(cache), e.limit, false)
			if e.compileErr == nil {
				anyCompiled.Store(true)
			}
			// The compiler's garbage is large: give it back before the
			// instances waiting for compiled code allocate their memory.
			debug.FreeOSMemory()
			close(e.compileDone)
			e.releaseInterpreter()
		}()
	})
}

// spend counts d of interpreted guest calls and starts the compiler once
// the interpreter's budget is spent.
func (e *engine) spend(d time.Duration) {
	if time.Duration(e.interpSpent.Add(int64(d))) >= interpreterBudget {
		e.startCompiler()
	}
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

// pick returns the module a new instance should use. An interpreted module
// comes with a user counted for the new instance (see leaveInterpreter).
func (e *engine) pick() (*module, error) {
	mode := os.Getenv(EngineEnv)
	// With an on-disk cache the compiler answers in a few tens of
	// milliseconds once the cache is warm, and a short-lived process must
	// let it finish once to warm it: wait for it. Once the compiler has
	// been started, no new instance goes to the interpreter.
	if mode != "interpreter" && (mode == "compiler" || onDisk || anyCompiled.Load()) {
		e.startCompiler()
	}
	if !e.started.Load() {
		if m, err := e.interpreter(); m != nil || err != nil {
			return m, err
		}
	}
	e.startCompiler()
	<-e.compileDone
	return e.compiled, e.compileErr
}

// releaseInterpreter closes the interpreter's runtime once the compiler has
// been started and no instance runs on it any more: its code is large, and
// the compiler is about to need as much.
func (e *engine) releaseInterpreter() {
	mu.Lock()
	released := e.interp != nil && e.interpUsers.Load() == 0 && e.started.Load()
	if released {
		e.interp.runtime.Close(context.Background())
		e.interp = nil
		close(e.interpFreed)
	}
	mu.Unlock()
	if released {
		debug.FreeOSMemory()
	}
}

// interpreter returns the interpreted module with a user counted, or nil if
// it has been released.
func (e *engine) interpreter() (*module, error) {
	e.interpOnce.Do(func() {
		m, err := newModule(wazero.NewRuntimeConfigInterpreter(), e.limit, true)
		mu.Lock()
		e.interp, e.interpErr = m, err
		mu.Unlock()
	})
	mu.Lock()
	defer mu.Unlock()
	if e.interp != nil {
		e.interpUsers.Add(1)
	}
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
	if err := Ready(context.Background()); err != nil {
		return nil, err
	}
	return engineFor(uint32(DefaultMemoryLimit / pageSize)).compiled.compiled, nil
}
