package instrument

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

func testStubs(notes *int) map[string]hostFunc {
	return map[string]hostFunc{"test.note": func(context.Context, api.Module, []uint64) { *notes++ }}
}

func meteredTestModule(t testing.TB) []byte {
	t.Helper()
	out, st, err := Instrument(testModule())
	if err != nil {
		t.Fatal(err)
	}
	// sum: entry, loop header; switch: entry; fillcopy: entry; calls: entry.
	if st.Functions != 4 || st.Checks != 5 || st.LengthCharges != 2 {
		t.Fatalf("stats %+v", st)
	}
	return out
}

// TestTestModuleCounts: each function of the test module costs, on both
// engines, exactly what the cost table gives by hand, and returns what the
// unmetered module returns.
func TestTestModuleCounts(t *testing.T) {
	metered := meteredTestModule(t)
	cases := []struct {
		fn   string
		arg  uint64
		want uint64 // result
		cost int64
	}{
		{"sum", 0, 0, sumCost(0)},
		{"sum", 1, 0, sumCost(1)},
		{"sum", 10, 45, sumCost(10)},
		{"sum", 1000, 499500, sumCost(1000)},
		{"switch", 0, 11, switchCost(0)},
		{"switch", 1, 20, switchCost(1)},
		{"switch", 2, 30, switchCost(2)},
		{"switch", 7, 30, switchCost(7)},
		{"fillcopy", 0, 0, fillCopyStatic},
		{"fillcopy", 100, 0, fillCopyStatic + 200},
		{"calls", 10, 45 + 30, callsStatic + sumCost(10) + switchCost(2)},
	}
	if got := sumCost(10); got != 157 {
		t.Fatalf("sumCost(10) = %d, worked out by hand as 157", got)
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			var notes, plainNotes int
			m := instantiate(t, e.cfg(), metered, testStubs(&notes), mustNotRunOut(t), "")
			plain := instantiate(t, e.cfg(), testModule(), testStubs(&plainNotes), nil, "")
			c := counter(t, m)
			if got := int64(c.Get()); got != InitialCounter {
				t.Fatalf("initial counter %d, want %d", got, int64(InitialCounter))
			}
			for _, tc := range cases {
				const budget = 1 << 40
				c.Set(budget)
				got := call(t, m, tc.fn, tc.arg)
				if used := budget - int64(c.Get()); used != tc.cost {
					t.Errorf("%s(%d) cost %d, want %d", tc.fn, tc.arg, used, tc.cost)
				}
				if got != tc.want || got != call(t, plain, tc.fn, tc.arg) {
					t.Errorf("%s(%d) = %d, want %d", tc.fn, tc.arg, got, tc.want)
				}
			}
			if notes != 1 || plainNotes != 1 {
				t.Errorf("note called %d and %d times, want 1", notes, plainNotes)
			}
			mem, _ := m.Memory().Read(0, 200)
			for i, b := range mem {
				if b != 7 {
					t.Fatalf("memory[%d] = %d after fillcopy(100), want 7", i, b)
				}
			}
		})
	}
}

// TestExhaustedAtEntriesAndLoops: with a budget too small, the exhausted
// import is called at exactly the checks a model of the metering predicts
// (function entry and every loop header, not the other blocks), sees the
// counter the model says, and a refill lets the guest go on.
func TestExhaustedAtEntriesAndLoops(t *testing.T) {
	metered := meteredTestModule(t)
	const n, start, refill = 20, 3, 7
	// The model: the blocks sum(n) runs, in order, and whether each checks.
	type block struct {
		cost  int64
		check bool
	}
	trace := []block{{sumEntry, true}}
	for i := 0; i <= n; i++ {
		trace = append(trace, block{sumHeader, true})
		if i < n {
			trace = append(trace, block{sumBody, false})
		}
	}
	trace = append(trace, block{sumExit, false})
	var want []int64
	c := int64(start)
	for _, b := range trace {
		if c -= b.cost; b.check && c < 0 {
			want = append(want, c)
			c += refill
		}
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			var seen []int64
			var notes int
			m := instantiate(t, e.cfg(), metered, testStubs(&notes), func(g api.MutableGlobal) {
				seen = append(seen, int64(g.Get()))
				g.Set(g.Get() + refill)
			}, "")
			counter(t, m).Set(start)
			if got := call(t, m, "sum", n); got != n*(n-1)/2 {
				t.Fatalf("sum(%d) = %d", n, got)
			}
			if len(seen) != len(want) {
				t.Fatalf("exhausted called %d times, want %d (%v, want %v)", len(seen), len(want), seen, want)
			}
			for i := range want {
				if seen[i] != want[i] {
					t.Fatalf("call %d saw counter %d, want %d", i, seen[i], want[i])
				}
			}
			if got := int64(counter(t, m).Get()); got != c {
				t.Fatalf("counter %d after, want %d", got, c)
			}
		})
	}
}

// TestExhaustedByBulkLength: memory.fill and memory.copy charge their
// length before they run, and call the exhausted import when that makes
// the counter negative; the charge saturates instead of wrapping.
func TestExhaustedByBulkLength(t *testing.T) {
	metered := meteredTestModule(t)
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			var seen []int64
			var notes int
			reset := true
			m := instantiate(t, e.cfg(), metered, testStubs(&notes), func(g api.MutableGlobal) {
				seen = append(seen, int64(g.Get()))
				if reset {
					g.Set(0)
				}
			}, "")
			c := counter(t, m)
			c.Set(300)
			call(t, m, "fillcopy", 1000)
			if want := []int64{300 - fillCopyStatic - 1000, -1000}; !equal(seen, want) {
				t.Errorf("exhausted saw %v, want %v", seen, want)
			}
			if got := int64(c.Get()); got != 0 {
				t.Errorf("counter %d after, want 0", got)
			}

			seen, reset = nil, false
			bottom := int64(math.MinInt64 + 300)
			c.Set(uint64(bottom))
			call(t, m, "fillcopy", 100)
			if want := []int64{bottom - fillCopyStatic, math.MinInt64, math.MinInt64}; !equal(seen, want) {
				t.Errorf("near the bottom, exhausted saw %v, want %v", seen, want)
			}
		})
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var errBudget = errors.New("out of budget")

// TestExhaustedStops: a host that answers by panicking stops the guest
// with its error, and the instance can be called again after a refill.
func TestExhaustedStops(t *testing.T) {
	metered := meteredTestModule(t)
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			var notes int
			m := instantiate(t, e.cfg(), metered, testStubs(&notes), func(api.MutableGlobal) { panic(errBudget) }, "")
			c := counter(t, m)
			c.Set(1000)
			_, err := m.ExportedFunction("sum").Call(context.Background(), 1_000_000)
			if !errors.Is(err, errBudget) {
				t.Fatalf("sum over budget returned %v, want %v", err, errBudget)
			}
			if got := int64(c.Get()); got >= 0 || got < -sumBody-sumHeader {
				t.Errorf("stopped with counter %d: overdrawn by more than a loop iteration", got)
			}
			c.Set(1000)
			if got := call(t, m, "sum", 10); got != 45 {
				t.Fatalf("sum(10) after the stop = %d", got)
			}
			if used := 1000 - int64(c.Get()); used != sumCost(10) {
				t.Fatalf("sum(10) after the stop cost %d, want %d", used, sumCost(10))
			}
		})
	}
}

// TestMeteredImportsAndExports: the metered module imports what the plain
// one does, in the same order and at the same indices, then the exhausted
// import; it exports the counter besides what the plain one exports.
func TestMeteredImportsAndExports(t *testing.T) {
	metered := meteredTestModule(t)
	var notes int
	m := instantiate(t, engines[1].cfg(), metered, testStubs(&notes), mustNotRunOut(t), "")
	counter(t, m)
	sections, err := SplitSections(metered)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sections {
		switch s.ID {
		case secImport:
			imports, err := decodeImports(s.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if len(imports) != 2 || imports[0].Name != "note" || imports[1].Module != ImportModule || imports[1].Name != ExhaustedImport {
				t.Fatalf("imports %+v", imports)
			}
		case secExport:
			exports, err := decodeExports(s.Payload)
			if err != nil {
				t.Fatal(err)
			}
			want := []Export{{"sum", kindFunc, 2}, {"switch", kindFunc, 3}, {"fillcopy", kindFunc, 4}, {"calls", kindFunc, 5},
				{"memory", kindMemory, 0}, {CounterExport, kindGlobal, 0}}
			if len(exports) != len(want) {
				t.Fatalf("exports %+v", exports)
			}
			for i := range want {
				if exports[i] != want[i] {
					t.Errorf("export %d is %+v, want %+v", i, exports[i], want[i])
				}
			}
		}
	}
	if _, _, err := Instrument(metered); err == nil {
		t.Error("metering a metered module again succeeded")
	}
}
