package workload

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// start is when this package was initialized: in a child process, as close
// to the process's start as a package can see (the runtime's start-up and
// the initialization of the packages initialized before this one are not
// in it; the drivers' own initialization mostly is, as this package sorts
// before the drivers' import paths except mattn's and ncruces's).
var start = time.Now()

// The environment of a child process: what to run, with which driver, on
// which database.
const (
	envMode   = "STABLESQLITE_BENCH_CHILD"
	envDriver = "STABLESQLITE_BENCH_DRIVER"
	envPath   = "STABLESQLITE_BENCH_PATH"
)

const childPrefix = "bench-child:"

// Child is the body of the driver package's TestChild: in a process that
// a benchmark started (see runChild) it runs the step it was asked for and
// prints the result; in any other it skips.
func Child(t *testing.T, drivers ...Driver) {
	mode := os.Getenv(envMode)
	if mode == "" {
		t.Skip("runs only as a child process of a benchmark")
	}
	name, path := os.Getenv(envDriver), os.Getenv(envPath)
	i := slices.IndexFunc(drivers, func(d Driver) bool { return d.Name == name })
	if i < 0 {
		t.Fatalf("no driver %q here", name)
	}
	d := drivers[i]
	if name, ok := strings.CutPrefix(mode, "fresh:"); ok {
		freshChild(t, d, name, path)
		return
	}
	switch mode {
	case "first":
		// The first query of a process, on an existing database.
		db := d.Open(t, path)
		var got string
		if err := db.QueryRow("select name from t where id = ?", 7).Scan(&got); err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(start)
		if got != fmt.Sprintf("name-%07d", 6) {
			t.Fatalf("first query: %q", got)
		}
		fmt.Printf("%s first_ms=%g hwm_kb=%d\n", childPrefix, float64(elapsed.Nanoseconds())/1e6, mustStatusKB(t, "VmHWM"))
	case "bulk":
		// The BulkInsert workload on a new database.
		db := d.Open(t, path)
		createTable(t, db)
		insertRows(t, db, BulkRows)
		scanAll(t, db, BulkRows)
		fmt.Printf("%s hwm_kb=%d\n", childPrefix, mustStatusKB(t, "VmHWM"))
	case "conns":
		// Resident memory per idle connection: one connection is open and
		// used (so one-time costs such as compiling are paid), then
		// IdleConns more are opened and used once each.
		ctx := context.Background()
		db := d.Open(t, path)
		use := func(c *sql.Conn) {
			var n int
			if err := c.QueryRowContext(ctx, "select count(*) from sqlite_schema").Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
		c0, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		use(c0)
		before := settledRSS(t)
		conns := make([]*sql.Conn, IdleConns)
		for i := range conns {
			if conns[i], err = db.Conn(ctx); err != nil {
				t.Fatal(err)
			}
			use(conns[i])
		}
		after := settledRSS(t)
		fmt.Printf("%s kb_per_conn=%g hwm_kb=%d\n", childPrefix, float64(after-before)/IdleConns, mustStatusKB(t, "VmHWM"))
		for _, c := range append(conns, c0) {
			c.Close()
		}
	default:
		t.Fatalf("unknown child mode %q", mode)
	}
}

func settledRSS(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	return mustStatusKB(t, "VmRSS")
}

func mustStatusKB(t *testing.T, field string) int64 {
	kb, err := statusKB(field)
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// needProc skips b where the process's memory cannot be read.
func needProc(b *testing.B) {
	if _, err := statusKB("VmHWM"); err != nil {
		b.Skipf("cannot read memory figures here: %v", err)
	}
}

// runChild runs this test binary again as a child in mode on path and
// returns the key=value figures it printed. Peak memory is the child's own
// VmHWM: getrusage's Maxrss is no use here, since os/exec starts children
// with vfork and Linux carries the parent's peak into the child's Maxrss at
// exec.
func runChild(b *testing.B, d Driver, mode, path string, env []string) map[string]float64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1", "-test.timeout=10m")
	cmd.Env = append(env, envMode+"="+mode, envDriver+"="+d.Name, envPath+"="+path)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		b.Fatalf("child %s: %v\n%s%s", mode, err, out.Bytes(), errOut.Bytes())
	}
	for line := range strings.Lines(out.String()) {
		rest, ok := strings.CutPrefix(line, childPrefix)
		if !ok {
			continue
		}
		figs := map[string]float64{}
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("child %s: bad figure %q", mode, f)
			}
			figs[k] = x
		}
		return figs
	}
	b.Fatalf("child %s printed no figures:\n%s%s", mode, out.Bytes(), errOut.Bytes())
	return nil
}

// childEnv is this process's environment less the child protocol's
// variables and the given ones.
func childEnv(drop ...string) []string {
	drop = append(drop, envMode, envDriver, envPath)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			env = append(env, kv)
		}
	}
	return env
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// FirstQuery: each op starts a fresh process that opens an existing file
// database and runs one point query; it reports the median time from its
// package initialization to the query's result and its peak RSS, with the
// driver's default settings. Cold: a home of its own with empty caches (the
// first process on a machine). Warm: the home an earlier, untimed child
// used (every later process); for a driver that caches nothing, warm is
// the same measurement again.
func benchFirstQuery(b *testing.B, d Driver, warm bool) {
	if d.InMemory {
		b.Skip("in-memory backend: no database survives into a fresh process (the file backend measures the same start-up)")
	}
	needProc(b)
	path := filepath.Join(b.TempDir(), "first.db")
	db := d.Open(b, path)
	Check(b, db, d.Pragmas...)
	createTable(b, db)
	insertRows(b, db, FirstRows)
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	env := homeEnv(b.TempDir())
	if warm {
		runChild(b, d, "first", path, env) // fills the caches of this home
	}
	var ms, mb []float64
	for b.Loop() {
		if !warm {
			env = homeEnv(b.TempDir())
		}
		f := runChild(b, d, "first", path, env)
		ms = append(ms, f["first_ms"])
		mb = append(mb, f["hwm_kb"]/1024)
	}
	b.ReportMetric(median(ms), "ms/first-query")
	b.ReportMetric(median(mb), "MB-peak")
}

// Memory/BulkInsert: the peak RSS of a fresh process running the BulkInsert
// workload (insert and scan) on a new database.
func benchMemoryBulk(b *testing.B, d Driver) {
	childMedian(b, d, "bulk", "hwm_kb", 1.0/1024, "MB-peak")
}

// Memory/IdleConn: resident memory per idle open connection, in a fresh
// process (RSS after a GC, before and after opening IdleConns more).
func benchMemoryConns(b *testing.B, d Driver) {
	childMedian(b, d, "conns", "kb_per_conn", 1, "KB/conn")
}

// childMedian starts, once per op, a fresh process with empty caches running the child step mode on a new database, and reports the
// median of the child's figure, times scale, as unit.
func childMedian(b *testing.B, d Driver, mode, figure string, scale float64, unit string) {
	needProc(b)
	var xs []float64
	for b.Loop() {
		env := homeEnv(b.TempDir()) // empty caches: a first process
		f := runChild(b, d, mode, filepath.Join(b.TempDir(), mode+".db"), env)
		xs = append(xs, f[figure]*scale)
	}
	b.ReportMetric(median(xs), unit)
}

// InChild reports whether this process is a child started by FirstQuery or
// Memory.
func InChild() bool { return os.Getenv(envMode) != "" }
