package workload

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Fresh-process workloads, as most programs meet a driver: `go test` runs
// a fresh process per package, CLIs and cron jobs run once, a container's
// first request after a deploy is a fresh process. Each op starts one
// child process with the driver's default settings, which opens its pool,
// runs one query, and then does the work once; reported: the work's time
// (ms/work, from after that first query), the first query's time from the
// process's start (ms/first-query), and the child's peak RSS (MB-peak).
//
// Cold: the child has a home of its own with an empty cache directory, as
// the first process on a machine. Warm: the home that an earlier child
// (untimed) used, as every later process. A driver that caches nothing
// between processes measures the same twice.
var freshWorkloads = []struct {
	name string
	run  func(tb testing.TB, db *sql.DB)
}{
	// 200,000 rows inserted in one transaction, then scanned.
	{"InsertScan", func(tb testing.TB, db *sql.DB) {
		createTable(tb, db)
		insertRows(tb, db, BulkRows)
		scanAll(tb, db, BulkRows)
	}},
	// The three tables of Join made, then joined.
	{"Join", func(tb testing.TB, db *sql.DB) {
		buildJoin(tb, db)
		runJoin(tb, db)
	}},
	// 1,000 inserts, each its own transaction, then 10,000 point queries.
	{"Points", func(tb testing.TB, db *sql.DB) {
		rowData()
		mustExec(tb, db, tableSQL)
		for i := 1; i <= FreshInserts; i++ {
			mustExec(tb, db, "insert into t(id, name, value, payload) values(?, ?, ?, ?)", i, names[i], float64(i)*0.25, payload(i))
		}
		r := rand.New(rand.NewPCG(11, 12))
		ids := make([]int, PointQueries)
		for i := range ids {
			ids[i] = 1 + r.IntN(FreshInserts)
		}
		pointQueries(tb, db, ids)
	}},
	// 200 blobs of 200 KiB written, each its own transaction, and read back.
	{"Blobs", func(tb testing.TB, db *sql.DB) {
		mustExec(tb, db, "create table blobs(id integer primary key, data blob)")
		writeReadBlobs(tb, db)
	}},
}

// FreshInserts is how many rows the Points workload inserts.
const FreshInserts = 1_000

// freshChild runs workload name in a child process on a new database and
// prints its figures.
func freshChild(t *testing.T, d Driver, name, path string) {
	for _, w := range freshWorkloads {
		if w.name != name {
			continue
		}
		db := d.Open(t, path)
		var one int
		if err := db.QueryRow("select 1").Scan(&one); err != nil {
			t.Fatal(err)
		}
		first := time.Since(start)
		t0 := time.Now()
		w.run(t, db)
		work := time.Since(t0)
		fmt.Printf("%s first_ms=%g work_ms=%g hwm_kb=%d\n", childPrefix,
			float64(first.Nanoseconds())/1e6, float64(work.Nanoseconds())/1e6, mustStatusKB(t, "VmHWM"))
		return
	}
	t.Fatalf("no fresh workload %q", name)
}

// benchFresh measures one fresh-process workload, cold or warm.
func benchFresh(b *testing.B, d Driver, name string, warm bool) {
	needProc(b)
	home := b.TempDir()
	env := homeEnv(home)
	if warm {
		// An untimed first process on this "machine" fills its caches.
		runChild(b, d, "fresh:"+name, filepath.Join(b.TempDir(), "warmup.db"), env)
	}
	var work, first, mb []float64
	for b.Loop() {
		if !warm {
			env = homeEnv(b.TempDir()) // every cold process is the first
		}
		dir := b.TempDir()
		f := runChild(b, d, "fresh:"+name, filepath.Join(dir, "fresh.db"), env)
		work = append(work, f["work_ms"])
		first = append(first, f["first_ms"])
		mb = append(mb, f["hwm_kb"]/1024)
		os.RemoveAll(dir)
	}
	b.ReportMetric(median(work), "ms/work")
	b.ReportMetric(median(first), "ms/first-query")
	b.ReportMetric(median(mb), "MB-peak")
}

// homeEnv is the environment of a child process whose home (and so its
// user cache directory) is home, with the driver's default settings: none
// of the variables this project's tests and benchmarks set.
func homeEnv(home string) []string {
	return append(childEnv("HOME", "XDG_CACHE_HOME", "STABLESQLITE_CACHE_DIR", "STABLESQLITE_ENGINE"),
		"HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
}
