package guest

import (
	"context"
	"os"
	"sync"

	"github.com/stablesqlite/stablesqlite/wasm"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// profiler is the listener Profile installs, if it was called.
var profiler *callRecorder

// Profile has the instances this process makes from now on run module, in
// place of sqlite3.wasm, on wazero's interpreter (it sets
// STABLESQLITE_ENGINE=interpreter), with a listener on its functions.
// calls returns the module's defined functions called since calls last
// returned (since Profile, the first time), each once, in the order of
// their first calls, as indices in the module's function index space.
//
// It is for the build's profile command (./profile): its workload, run
// through the driver, decides the order in which build.sh lays out the
// functions. Call it before anything opens a database.
func Profile(module []byte) (calls func() []uint32) {
	os.Setenv(wasm.EngineEnv, "interpreter")
	profiler = &callRecorder{seen: map[uint32]bool{}}
	defaultEngine = newEngine(&moduleBinary{bin: module})
	return profiler.take
}

// withProfiler adds Profile's listener to the context a module is compiled
// with, if Profile was called.
func withProfiler(ctx context.Context) context.Context {
	if profiler == nil {
		return ctx
	}
	return experimental.WithFunctionListenerFactory(ctx, profiler)
}

// callRecorder notes the functions called, in the order of their first
// calls since the last take.
type callRecorder struct {
	mu    sync.Mutex
	seen  map[uint32]bool
	order []uint32
}

// NewFunctionListener listens to the functions the module defines, not to
// the ones it imports.
func (r *callRecorder) NewFunctionListener(def api.FunctionDefinition) experimental.FunctionListener {
	if _, _, imported := def.Import(); imported {
		return nil
	}
	index := def.Index()
	return experimental.FunctionListenerFunc(func(context.Context, api.Module, api.FunctionDefinition, []uint64, experimental.StackIterator) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.seen[index] {
			r.seen[index] = true
			r.order = append(r.order, index)
		}
	})
}

func (r *callRecorder) take() []uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.order
	r.order, r.seen = nil, map[uint32]bool{}
	return out
}
