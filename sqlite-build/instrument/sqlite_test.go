package instrument

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// SQLite result codes the stubs and the workload use.
const (
	sqliteOK        = 0
	sqliteError     = 1
	sqliteIOErr     = 10
	sqliteCantOpen  = 14
	sqliteRow       = 100
	openReadWrite   = 0x2
	openCreate      = 0x4
	fixedUnixMillis = 1_700_000_000_000
)

// sqliteStubs are the host functions of sqlite3.wasm reduced to what an
// in-memory database needs: no storage (opening a file fails), a fixed
// clock, and randomness that is the same in every run, so that the guest
// does the same work every time.
func sqliteStubs() map[string]hostFunc {
	fail := func(_ context.Context, _ api.Module, s []uint64) { s[0] = sqliteIOErr }
	stubs := map[string]hostFunc{
		"vol_open":        func(_ context.Context, _ api.Module, s []uint64) { s[0] = sqliteCantOpen },
		"callback":        func(_ context.Context, _ api.Module, s []uint64) { s[0] = sqliteError },
		"sys_time":        func(_ context.Context, _ api.Module, s []uint64) { s[0] = fixedUnixMillis },
		"sys_tz_offset":   func(_ context.Context, _ api.Module, s []uint64) { s[0] = 0 },
		"sys_sleep":       func(_ context.Context, _ api.Module, s []uint64) { s[0] = 0 },
		"sys_interrupted": func(_ context.Context, _ api.Module, s []uint64) { s[0] = 0 },
		"sys_random": func(_ context.Context, m api.Module, s []uint64) {
			ptr, n := uint32(s[0]), uint32(s[1])
			b, ok := m.Memory().Read(ptr, n)
			if !ok {
				panic("sys_random out of memory bounds")
			}
			for i := range b {
				b[i] = byte(i*31 + 7)
			}
		},
		// The name as it is: (vfs, name, nameLen, out, outCap).
		"vfs_fullpath": func(_ context.Context, m api.Module, s []uint64) {
			name, ok := m.Memory().Read(uint32(s[1]), uint32(s[2]))
			if !ok || uint32(len(name)) >= uint32(s[4]) || !m.Memory().Write(uint32(s[3]), append(slices.Clone(name), 0)) {
				s[0] = 14 // SQLITE_CANTOPEN
				return
			}
			s[0] = 0
		},
	}
	for _, name := range []string{"vol_close", "vol_read", "vol_write", "vol_size", "vol_truncate", "vol_sync",
		"vol_lock", "vol_unlock", "vol_check_reserved", "vol_control", "shm_map", "shm_lock", "shm_unmap",
		"vfs_delete", "vfs_access"} {
		stubs[name] = fail
	}
	out := map[string]hostFunc{}
	for name, f := range stubs {
		out[ImportModule+"."+name] = f
	}
	return out
}

var metered struct {
	once sync.Once
	wasm []byte
	err  error
}

// meteredModule is sqlite3.wasm metered by the pass (not the committed
// sqlite3.metered.wasm: the tests check the pass, check.sh the file).
func meteredModule(t testing.TB) []byte {
	t.Helper()
	metered.once.Do(func() { metered.wasm, _, metered.err = Instrument(plainModule(t)) })
	if metered.err != nil {
		t.Fatal(metered.err)
	}
	return metered.wasm
}

// guest drives SQLite in one instance through its exports.
type guest struct {
	t     testing.TB
	m     api.Module
	ctx   context.Context
	db    uint32
	buf   uint32 // 4 KiB of scratch: SQL text, slots, outputs
	funcs map[string]api.Function
}

func newGuest(t testing.TB, cfg wazero.RuntimeConfig, wasm []byte, exhausted exhaustedFunc) *guest {
	m := instantiate(t, cfg, wasm, sqliteStubs(), exhausted, "_initialize")
	g := &guest{t: t, m: m, ctx: context.Background(), funcs: map[string]api.Function{}}
	g.buf = uint32(g.mustCall("malloc", 4096)[0])
	name := g.put(":memory:")
	if rc := g.mustCall("ss_open", uint64(name), openReadWrite|openCreate, 0, uint64(g.buf+1024)); rc[0] != sqliteOK {
		t.Fatalf("ss_open: rc %d", rc[0])
	}
	g.db = g.u32(g.buf + 1024)
	return g
}

// call calls an export. Each function is looked up once: wazero gives
// each function it hands out a call stack of its own.
func (g *guest) call(name string, args ...uint64) ([]uint64, error) {
	f := g.funcs[name]
	if f == nil {
		if f = g.m.ExportedFunction(name); f == nil {
			g.t.Fatalf("no export %s", name)
		}
		g.funcs[name] = f
	}
	return f.Call(g.ctx, args...)
}

func (g *guest) mustCall(name string, args ...uint64) []uint64 {
	g.t.Helper()
	res, err := g.call(name, args...)
	if err != nil {
		g.t.Fatalf("%s: %v", name, err)
	}
	return res
}

// put writes s, NUL-terminated, at the start of the scratch buffer.
func (g *guest) put(s string) uint32 {
	if len(s) >= 1024 || !g.m.Memory().Write(g.buf, append([]byte(s), 0)) {
		g.t.Fatalf("cannot write %d bytes of SQL", len(s))
	}
	return g.buf
}

func (g *guest) u32(p uint32) uint32 {
	v, ok := g.m.Memory().ReadUint32Le(p)
	if !ok {
		g.t.Fatalf("read at %d out of bounds", p)
	}
	return v
}

func (g *guest) u64(p uint32) uint64 {
	v, ok := g.m.Memory().ReadUint64Le(p)
	if !ok {
		g.t.Fatalf("read at %d out of bounds", p)
	}
	return v
}

// exec runs SQL with sqlite3_exec.
func (g *guest) exec(sql string) error {
	res, err := g.call("sqlite3_exec", uint64(g.db), uint64(g.put(sql)), 0, 0, 0)
	if err != nil {
		return err
	}
	if res[0] != sqliteOK {
		return fmt.Errorf("sqlite3_exec(%q): rc %d", sql, res[0])
	}
	return nil
}

func (g *guest) mustExec(sql string) {
	g.t.Helper()
	if err := g.exec(sql); err != nil {
		g.t.Fatal(err)
	}
}

// prepare prepares one statement.
func (g *guest) prepare(sql string) uint32 {
	g.t.Helper()
	out := g.buf + 1024
	if rc := g.mustCall("ss_prepare", uint64(g.db), uint64(g.put(sql)), uint64(len(sql)), 0, uint64(out))[0]; rc != sqliteOK {
		g.t.Fatalf("prepare %q: rc %d", sql, rc)
	}
	return g.u32(out)
}

// setInts writes integer slots at the args area and returns its address.
func (g *guest) setInts(vals ...int64) uint32 {
	args := g.buf + 2048
	b := make([]byte, 16*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[16*i:], 1) // SQLITE_INTEGER
		binary.LittleEndian.PutUint64(b[16*i+8:], uint64(v))
	}
	g.m.Memory().Write(args, b)
	return args
}

// queryInt steps stmt once with integer arguments and returns its first
// column as an integer, then resets it.
func (g *guest) queryInt(stmt uint32, args ...int64) int64 {
	g.t.Helper()
	row := g.buf + 3072
	if rc := g.mustCall("ss_step", uint64(stmt), uint64(g.setInts(args...)), uint64(len(args)), uint64(row), 1)[0]; rc != sqliteRow {
		g.t.Fatalf("ss_step: rc %d", rc)
	}
	v := int64(g.u64(row + 8))
	g.mustCall("sqlite3_reset", uint64(stmt))
	return v
}

// insertRows inserts rows [from, to) with one prepared statement, each
// bound and run by ss_exec (what the driver does for each Exec).
func (g *guest) insertRows(stmt uint32, from, to int64) {
	g.t.Helper()
	for i := from; i < to; i++ {
		if rc := g.mustCall("ss_exec", uint64(g.db), uint64(stmt), uint64(g.setInts(i, i*i%1000)), 2, uint64(g.buf+1024))[0]; rc != sqliteOK {
			g.t.Fatalf("insert %d: rc %d", i, rc)
		}
	}
}

// workload runs the same SQLite work on g and returns its results and, if
// metered, the instructions each step cost.
type step struct {
	name   string
	rows   int64
	result int64
	cost   int64
}

const workloadRows = 500

func workload(g *guest, meter api.MutableGlobal) []step {
	var steps []step
	measure := func(name string, rows int64, f func() int64) {
		before := uint64(0)
		if meter != nil {
			before = meter.Get()
		}
		s := step{name: name, rows: rows, result: f()}
		if meter != nil {
			s.cost = int64(before - meter.Get())
		}
		steps = append(steps, s)
	}
	measure("create table", 1, func() int64 {
		g.mustExec("CREATE TABLE t(a INTEGER PRIMARY KEY, b INTEGER, c TEXT)")
		return 0
	})
	ins := g.prepare("INSERT INTO t(a, b, c) VALUES (?, ?, printf('row %d', ?1))")
	measure("insert rows in one transaction", workloadRows, func() int64 {
		g.mustExec("BEGIN")
		g.insertRows(ins, 0, workloadRows)
		g.mustExec("COMMIT")
		return 0
	})
	measure("autocommit insert", 1, func() int64 {
		g.insertRows(ins, workloadRows, workloadRows+1)
		return 0
	})
	get := g.prepare("SELECT b FROM t WHERE a = ?")
	measure("point read by key", workloadRows, func() int64 {
		var sum int64
		for i := int64(0); i < workloadRows; i++ {
			sum += g.queryInt(get, i)
		}
		return sum
	})
	scan := g.prepare("SELECT sum(length(c)) + sum(b) FROM t")
	measure("full scan", workloadRows, func() int64 { return g.queryInt(scan) })
	sorted := g.prepare("SELECT sum(x) FROM (SELECT b * 7 % 13 AS x FROM t ORDER BY c DESC LIMIT 100)")
	measure("sort", workloadRows, func() int64 { return g.queryInt(sorted) })
	measure("float math", 1, func() int64 {
		st := g.prepare("SELECT CAST(sum(sqrt(b) * 1000.5) AS INTEGER) + length(printf('%.3f', avg(b))) FROM t")
		defer g.mustCall("sqlite3_finalize", uint64(st))
		return g.queryInt(st)
	})
	for _, st := range []uint32{ins, get, scan, sorted} {
		g.mustCall("sqlite3_finalize", uint64(st))
	}
	return steps
}

// TestSQLiteMeteredIsDeterministic runs SQLite work on the metered module
// twice on each engine: every run returns what the plain module returns,
// and costs exactly the same instructions, step by step.
func TestSQLiteMeteredIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs SQLite on both engines")
	}
	wasm := meteredModule(t)
	plain := workload(newGuest(t, wazero.NewRuntimeConfigInterpreter(), plainModule(t), nil), nil)
	var first []step
	for _, e := range engines {
		for run := range 2 {
			g := newGuest(t, e.cfg(), wasm, mustNotRunOut(t))
			steps := workload(g, counter(t, g.m))
			for i, s := range steps {
				if s.result != plain[i].result {
					t.Errorf("%s run %d: %s returned %d, the plain module %d", e.name, run, s.name, s.result, plain[i].result)
				}
				if s.cost <= 0 {
					t.Errorf("%s run %d: %s cost %d", e.name, run, s.name, s.cost)
				}
				if first != nil && s.cost != first[i].cost {
					t.Errorf("%s run %d: %s cost %d, the first run %d", e.name, run, s.name, s.cost, first[i].cost)
				}
			}
			if first == nil {
				first = steps
			}
		}
	}
	for _, s := range first {
		t.Logf("%-32s %12d instructions, %8d per row", s.name, s.cost, s.cost/s.rows)
	}
}

// TestSQLiteOutOfBudget: SQLite work over a budget calls the exhausted
// import, and a host that refills goes on to the same total: refilling
// changes nothing the guest counts; one that stops gets its error back.
func TestSQLiteOutOfBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs SQLite")
	}
	wasm := meteredModule(t)
	cfg := wazero.NewRuntimeConfigInterpreter
	const insert = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000) INSERT INTO t SELECT i, i * 3 FROM s"
	setup := func(g *guest) { g.mustExec("CREATE TABLE t(a INTEGER PRIMARY KEY, b)") }

	g := newGuest(t, cfg(), wasm, mustNotRunOut(t))
	setup(g)
	c := counter(t, g.m)
	c.Set(1 << 50)
	g.mustExec(insert)
	total := int64(1<<50 - c.Get())

	const budget, refill = 100_000, 50_000
	calls := 0
	g = newGuest(t, cfg(), wasm, func(m api.MutableGlobal) {
		if v := int64(m.Get()); v >= 0 {
			t.Errorf("exhausted called with counter %d", v)
		}
		calls++
		m.Set(m.Get() + refill)
	})
	setup(g)
	c = counter(t, g.m)
	c.Set(budget)
	g.mustExec(insert)
	if used := budget + int64(calls)*refill - int64(c.Get()); used != total || calls == 0 {
		t.Errorf("with refills: %d instructions in %d refills, without: %d", used, calls, total)
	}
	if want := (total - budget + refill - 1) / refill; int64(calls) < want {
		t.Errorf("%d refills of %d cannot pay %d past a budget of %d", calls, refill, total, budget)
	}

	g = newGuest(t, cfg(), wasm, func(api.MutableGlobal) { panic(errBudget) })
	setup(g)
	counter(t, g.m).Set(budget)
	if err := g.exec(insert); !errors.Is(err, errBudget) {
		t.Fatalf("over budget: %v, want %v", err, errBudget)
	}
}

// TestCommittedMeteredModule: the committed sqlite3.metered.wasm is what
// the pass makes of the committed sqlite3.wasm (check.sh checks both
// against a fresh build).
func TestCommittedMeteredModule(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join("..", "..", "wasm", "sqlite3.metered.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != string(meteredModule(t)) {
		t.Fatal("wasm/sqlite3.metered.wasm is not the metered sqlite3.wasm: run sqlite-build/build.sh")
	}
}
