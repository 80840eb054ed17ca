package instrument

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// engines are wazero's two: the counts must agree on both.
var engines = []struct {
	name string
	cfg  func() wazero.RuntimeConfig
}{
	{"compiler", wazero.NewRuntimeConfigCompiler},
	{"interpreter", wazero.NewRuntimeConfigInterpreter},
}

// compilationCache is shared by the tests' runtimes, so that a module is
// compiled once per engine however many runtimes instantiate it.
var compilationCache = wazero.NewCompilationCache()

// exhaustedFunc is what the host's meter_exhausted does: it gets the
// calling instance's counter.
type exhaustedFunc func(counter api.MutableGlobal)

// hostFunc is a stub host function: the stack as wazero hands it over.
type hostFunc func(ctx context.Context, m api.Module, stack []uint64)

// instantiate compiles wasm in a new runtime, defines every function it
// imports (from stubs by "module.name", and meter_exhausted from
// exhausted), and instantiates it, running start if it is not empty. The
// runtime is closed with the test.
func instantiate(t testing.TB, cfg wazero.RuntimeConfig, wasm []byte, stubs map[string]hostFunc, exhausted exhaustedFunc, start string) api.Module {
	t.Helper()
	ctx := context.Background()
	// SQLite's module has one atomic instruction (../fence.c).
	cfg = cfg.WithCompilationCache(compilationCache).WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesThreads)
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	t.Cleanup(func() { r.Close(ctx) })
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	builders := map[string]wazero.HostModuleBuilder{}
	var order []string
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		var fn hostFunc
		if mod == ImportModule && name == ExhaustedImport {
			fn = func(ctx context.Context, m api.Module, stack []uint64) {
				exhausted(m.ExportedGlobal(CounterExport).(api.MutableGlobal))
			}
		} else if fn = stubs[mod+"."+name]; fn == nil {
			t.Fatalf("no stub for import %s.%s", mod, name)
		}
		b := builders[mod]
		if b == nil {
			b = r.NewHostModuleBuilder(mod)
			builders[mod] = b
			order = append(order, mod)
		}
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(fn), f.ParamTypes(), f.ResultTypes()).Export(name)
	}
	for _, mod := range order {
		if _, err := builders[mod].Instantiate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mc := wazero.NewModuleConfig().WithName("")
	if start != "" {
		mc = mc.WithStartFunctions(start)
	}
	m, err := r.InstantiateModule(ctx, compiled, mc)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// counter returns the metered instance's counter.
func counter(t testing.TB, m api.Module) api.MutableGlobal {
	t.Helper()
	g, ok := m.ExportedGlobal(CounterExport).(api.MutableGlobal)
	if !ok {
		t.Fatalf("%s is not an exported mutable global", CounterExport)
	}
	if g.Type() != api.ValueTypeI64 {
		t.Fatalf("%s has type %s, want i64", CounterExport, api.ValueTypeName(g.Type()))
	}
	return g
}

// call calls an exported function and returns its first result (0 if none).
func call(t testing.TB, m api.Module, name string, args ...uint64) uint64 {
	t.Helper()
	res, err := m.ExportedFunction(name).Call(context.Background(), args...)
	if err != nil {
		t.Fatalf("%s%v: %v", name, args, err)
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

// mustNotRunOut is an exhausted handler for runs with budget enough.
func mustNotRunOut(t testing.TB) exhaustedFunc {
	return func(c api.MutableGlobal) {
		t.Errorf("meter_exhausted called, counter %d", int64(c.Get()))
		c.Set(uint64(InitialCounter))
	}
}
