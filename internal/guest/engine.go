// Package guest runs sqlite3.wasm (package wasm) in wazero: the engine
// that loads its compiled code from the compilation cache (warmstart.go),
// installs the code shipped in the binary there (shipped.go), or compiles
// it, once per process; an Instance per connection with its own linear memory,
// and the host side of the module's ABI (wasm/ABI.md) over a
// backend.Backend. Its calls are raw, handles and result codes; package
// sqlite is the typed layer over them.
package guest

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/stablesqlite/stablesqlite/wasm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// DefaultMemoryLimit is an instance's memory limit, in bytes, when the
// caller sets none: all that wasm32 addresses, so that values as large as
// SQLite takes (a billion bytes) fit. The memory is reserved address space;
// only what the guest uses is committed.
const DefaultMemoryLimit = 4 << 30

const pageSize = 64 << 10

// module is sqlite3.wasm compiled in one wazero runtime.
type module struct {
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	spare    atomic.Pointer[spareInstance] // the warm start's check instance, until a connection takes it
}

// spareInstance is an instance no connection has yet, with the default
// memory limit.
type spareInstance struct {
	mod   api.Module
	alloc *allocator
}

// instantiate makes an instance whose memory alloc makes, and runs its C
// constructors (_initialize).
func (m *module) instantiate(ctx context.Context, alloc *allocator) (api.Module, error) {
	return m.runtime.InstantiateModule(experimental.WithMemoryAllocator(ctx, alloc), m.compiled,
		wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize"))
}

// takeSpare returns the spare instance, if there is one, for the first
// connection. An instance with another memory limit than the spare's
// cannot use it, and closes it: the connections after it are likely to be
// configured alike, and the spare would only hold memory.
func (m *module) takeSpare(limit uint64) *spareInstance {
	s := m.spare.Swap(nil)
	if s != nil && limit != DefaultMemoryLimit {
		s.mod.Close(context.Background())
		return nil
	}
	return s
}

// initialMemory is the size in bytes of the memory an instance starts with.
func (m *module) initialMemory() uint64 {
	var least uint64
	for _, d := range m.compiled.ExportedMemories() {
		least = max(least, uint64(d.Min())*pageSize)
	}
	return least
}

// engine makes the module's compiled code ready, once. A process has one
// (defaultEngine); tests make their own.
type engine struct {
	binary    *moduleBinary
	startOnce sync.Once
	started   atomic.Bool
	done      chan struct{} // closed when compiled code is ready, or failed
	kept      chan struct{} // closed when the code is in the on-disk cache, or will not be
	compiled  *module
	err       error
	from      string // where the code came from: "cache", "shipped" or "compiler"

	interpOnce sync.Once
	interp     *module
	interpErr  error
}

// The engines of the plain module and of the metered one (which counts
// the instructions the guest executes; see meter.go).
var (
	defaultEngine = newEngine(plainBinary)
	meteredEngine = newEngine(meteredBinary)
)

func newEngine(b *moduleBinary) *engine {
	return &engine{binary: b, done: make(chan struct{}), kept: make(chan struct{})}
}

// Start makes compiled code ready in the background, if it is not already:
// loaded from the compilation cache (milliseconds), or compiled. The
// driver calls it when a database is opened, so that the work overlaps
// with what the program does before its first statement.
func Start() {
	if os.Getenv(wasm.EngineEnv) != "interpreter" {
		defaultEngine.start()
	}
}

// Keep waits until the compiled code this process made is in the on-disk
// cache, so that the next process starts warm. Only the first process on a
// machine has anything to wait for, and only for as long as writing the
// cache entry takes; the driver calls it when a database is closed, since
// a short-lived program could otherwise exit before that.
func Keep(ctx context.Context) error {
	for _, e := range []*engine{defaultEngine, meteredEngine} {
		if !e.started.Load() {
			continue
		}
		select {
		case <-e.kept:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (e *engine) start() {
	e.startOnce.Do(func() {
		e.started.Store(true)
		go e.load()
	})
}

// load makes the compiled code ready: from the compilation cache when a
// warm start is possible (see warmStart), else from the code shipped in the
// binary (see shippedStart), else from wazero's optimising compiler,
// filling the cache for the processes that come after.
func (e *engine) load() {
	defer close(e.done)
	dir := wasm.CacheDir()
	if m, ok := warmStart(dir, e.binary); ok {
		e.compiled, e.from = m, "cache"
		close(e.kept)
		return
	}
	if m, ok := shippedStart(dir, e.binary); ok {
		e.compiled, e.from = m, "shipped"
		close(e.kept)
		return
	}
	e.from = "compiler"
	e.compiled, e.err = compileCold(dir, e.binary, e.kept)
	// The compiler's garbage is large: give it back before the instances
	// grow their memories.
	debug.FreeOSMemory()
}

// pick returns the module a new instance runs on.
func (e *engine) pick() (*module, error) {
	if os.Getenv(wasm.EngineEnv) == "interpreter" {
		e.interpOnce.Do(func() {
			e.interp, e.interpErr = newModule(wazero.NewRuntimeConfigInterpreter(), e.binary.bin, 1)
		})
		return e.interp, e.interpErr
	}
	e.start()
	<-e.done
	return e.compiled, e.err
}

// features are the WebAssembly features the modules use: WebAssembly 2.0
// and, of the threads proposal, the one atomic instruction of
// sqlite-build/fence.c.
const features = api.CoreFeaturesV2 | experimental.CoreFeaturesThreads

// newModule compiles bin in a new runtime, with functions compiled on
// workers goroutines. Every instance's memory comes from our allocator (see
// linearMemory), so the runtime allows all of wasm32's memory and the
// allocator enforces each instance's limit.
func newModule(cfg wazero.RuntimeConfig, bin []byte, workers int) (*module, error) {
	ctx := experimental.WithCompilationWorkers(context.Background(), workers)
	r := wazero.NewRuntimeWithConfig(ctx, cfg.WithMemoryLimitPages(65536).WithCoreFeatures(features))
	if err := exportHost(ctx, r); err != nil {
		r.Close(ctx)
		return nil, err
	}
	compiled, err := r.CompileModule(withProfiler(ctx), bin)
	if err != nil {
		r.Close(ctx)
		return nil, fmt.Errorf("wasm: compiling sqlite3.wasm: %w", err)
	}
	return &module{runtime: r, compiled: compiled}, nil
}
