package etcd

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend/etcd/internal/etcdtest"
	"github.com/stablesqlite/stablesqlite/driver"
)

// TestFigures measures the README's figures on a local 3-member cluster
// (members that sync to disk, etcd's default timings) beside the file
// backend. It runs only when STABLESQLITE_ETCD_FIGURES=1:
//
//	cd backend/etcd && STABLESQLITE_ETCD_FIGURES=1 go test -run TestFigures -v ./
func TestFigures(t *testing.T) {
	if os.Getenv("STABLESQLITE_ETCD_FIGURES") != "1" {
		t.Skip("set STABLESQLITE_ETCD_FIGURES=1 to measure")
	}
	c := newCluster(t, etcdtest.Options{Heartbeat: 100 * time.Millisecond, Election: time.Second})
	dsns := []struct{ name, dsn string }{
		{"etcd (3 members)", dsn(c, prefix(t), "fig.db")},
		{"file", filepath.Join(t.TempDir(), "fig.db")},
	}
	var rows [][]string
	for _, d := range dsns {
		rows = append(rows, figures(t, d.name, d.dsn))
	}
	t.Log("| backend | single-row commits/s | 200,000-row insert (one transaction) | point read, warm cache | point read, cold cache |")
	t.Log("|---|---|---|---|---|")
	for _, r := range rows {
		t.Logf("| %s | %s | %s | %s | %s |", r[0], r[1], r[2], r[3], r[4])
	}
}

func figures(t *testing.T, name, dsn string) []string {
	ctx := context.Background()
	db := openDB(t, dsn)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	run := func(q string, args ...any) {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %s: %v", name, q, err)
		}
	}
	run("create table small(id integer primary key, v integer)")
	const commits = 500
	start := time.Now()
	for i := range commits {
		run("insert into small(v) values (?)", i)
	}
	perSec := float64(commits) / time.Since(start).Seconds()

	run("create table t(id integer primary key, name text, value real, payload blob)")
	payload := make([]byte, 100)
	start = time.Now()
	run("begin")
	st, err := conn.PrepareContext(ctx, "insert into t(name, value, payload) values (?, ?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200_000 {
		if _, err := st.ExecContext(ctx, fmt.Sprintf("name %d", i), float64(i)/3, payload); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	run("commit")
	bulk := time.Since(start)

	const reads = 2000
	point := func(cold bool) time.Duration {
		var eb *Backend
		if b, err := driver.BackendOf(conn); err == nil {
			eb, _ = b.(*Backend)
		}
		start := time.Now()
		for range reads {
			if cold {
				if eb != nil {
					eb.DropCache()
				}
				run("pragma shrink_memory") // SQLite's own cache too
			}
			var v float64
			if err := conn.QueryRowContext(ctx, "select value from t where id = ?", 1+rand.IntN(200_000)).Scan(&v); err != nil {
				t.Fatal(err)
			}
		}
		return time.Since(start) / reads
	}
	point(false) // warm up
	warm, cold := point(false), point(true)
	t.Logf("%s: %.0f commits/s, bulk %v, warm %v, cold %v", name, perSec, bulk, warm, cold)
	return []string{name, fmt.Sprintf("%.0f", perSec), bulk.Round(10 * time.Millisecond).String(),
		warm.Round(time.Microsecond).String(), cold.Round(time.Microsecond).String()}
}
