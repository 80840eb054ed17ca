package etcd

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/driver"
)

const testTTL = 2 * time.Second

// writeUntil tries an insert (without SQLite's busy wait) until it
// commits; it returns how many tries were refused as SQLITE_BUSY and when
// it committed.
func writeUntil(t *testing.T, db *sql.DB, q string, limit time.Duration) (busy int, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		_, err := db.Exec(q)
		if err == nil {
			return busy, time.Now()
		}
		if !errors.Is(err, driver.ErrBusy) {
			t.Fatalf("%s: %v, want success or SQLITE_BUSY", q, err)
		}
		busy++
		if time.Now().After(deadline) {
			t.Fatalf("%s still SQLITE_BUSY after %v: %v", q, limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("stablesqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestWriterKilled: a writer process holding the write lock is SIGKILLed
// in the middle of its transaction; the other process cannot write while
// the dead writer's lease lives, then becomes the writer; the dead
// writer's uncommitted row is nowhere.
func TestWriterKilled(t *testing.T) {
	t.Parallel() // it mostly waits
	c := needCluster(t)
	pfx := prefix(t)
	a := startChild(t, "A", dsn(c, pfx, "w.db", "lease-ttl=2s"))
	a.must("exec create table t(who text)")
	a.must("exec begin immediate")
	a.must("exec insert into t values ('A, never committed')")

	db := openDB(t, dsn(c, pfx, "w.db", "lease-ttl=2s", "_busy_timeout=0"))
	if _, err := db.Exec("insert into t values ('B early')"); !errors.Is(err, driver.ErrBusy) {
		t.Fatalf("write while A holds the lock: %v, want SQLITE_BUSY", err)
	}
	a.kill()
	killed := time.Now()
	busy, at := writeUntil(t, db, "insert into t values ('B')", 4*testTTL)
	waited := at.Sub(killed)
	t.Logf("B became the writer %v after A was killed (%d tries refused first)", waited.Round(time.Millisecond), busy)
	if busy == 0 || waited < testTTL/3 {
		t.Fatalf("B wrote %v after the kill with %d refusals: A's lock did not hold until its lease expired", waited, busy)
	}
	var rows []string
	r, err := db.Query("select who from t")
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var s string
		r.Scan(&s)
		rows = append(rows, s)
	}
	if len(rows) != 1 || rows[0] != "B" {
		t.Fatalf("rows after A died and B wrote: %q, want [B]", rows)
	}
}

// TestPausedWriterCannotCommit: a writer is stopped (SIGSTOP) with its
// transaction open; its lease expires and another process takes the write
// lock. The old writer wakes up (SIGCONT) while the new one still holds
// the lock, nothing committed yet (the head is as it saw it): its COMMIT
// fails with SQLITE_BUSY all the same (the fence), leaving no trace. Its
// next transaction works, on a new lease.
func TestPausedWriterCannotCommit(t *testing.T) {
	t.Parallel() // it mostly waits
	c := needCluster(t)
	pfx := prefix(t)
	a := startChild(t, "A", dsn(c, pfx, "p.db", "lease-ttl=2s"))
	a.must("exec create table t(who text)")
	a.must("exec begin immediate")
	a.must("exec insert into t values ('A, paused')")
	a.signal(syscall.SIGSTOP)
	stopped := time.Now()

	db := openDB(t, dsn(c, pfx, "p.db", "lease-ttl=2s", "_busy_timeout=0"))
	ctx := context.Background()
	b, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	busy := 0
	for deadline := time.Now().Add(4 * testTTL); ; busy++ {
		_, err := b.ExecContext(ctx, "begin immediate")
		if err == nil {
			break
		}
		if !errors.Is(err, driver.ErrBusy) || time.Now().After(deadline) {
			t.Fatalf("B's begin immediate: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("B took the write lock %v after A was stopped (%d tries refused first)", time.Since(stopped).Round(time.Millisecond), busy)
	if busy == 0 {
		t.Fatal("B took the lock at once: A's did not hold")
	}
	if _, err := b.ExecContext(ctx, "insert into t values ('B')"); err != nil {
		t.Fatal(err)
	}

	a.signal(syscall.SIGCONT)
	_, code, err := a.do("exec commit")
	if err == nil || code != int(driver.ErrBusy) {
		t.Fatalf("the woken writer's COMMIT: code %d, %v; want SQLITE_BUSY (%d)", code, err, driver.ErrBusy)
	}
	t.Logf("the woken writer's COMMIT: %v", err)
	a.must("exec rollback")
	if _, err := b.ExecContext(ctx, "commit"); err != nil {
		t.Fatalf("B's commit: %v", err)
	}
	var n int
	var who string
	if err := db.QueryRow("select count(*), group_concat(who) from t").Scan(&n, &who); err != nil || n != 1 || who != "B" {
		t.Fatalf("rows: %d %q %v; want only B's", n, who, err)
	}
	// The old writer goes on with a new lease.
	a.must("exec insert into t values ('A again')")
	if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("after A's next transaction: %d rows, %v", n, err)
	}
	if st := a.must("stats"); !containsField(st, "Leases:2") {
		t.Fatalf("A's counters %s: want a second lease", st)
	}
}

func containsField(stats, field string) bool {
	for _, f := range strings.Fields(strings.Trim(stats, "{}")) {
		if f == field {
			return true
		}
	}
	return false
}
