package etcd

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend/etcd/internal/etcdtest"
	"github.com/stablesqlite/stablesqlite/driver"
)

// TestQuota: on a cluster with a 48 MiB space quota, a write workload that
// rewrites 120 MiB of pages stays within it, because the backend compacts
// the history; the same workload with compaction off fills the quota and
// fails cleanly with SQLITE_FULL, the database intact.
func TestQuota(t *testing.T) {
	t.Parallel() // it mostly waits
	const quota = 48 << 20
	c := newCluster(t, etcdtest.Options{NoFsync: true, QuotaBytes: quota})
	pfx := prefix(t)
	b := newBackend(t, c, Config{Prefix: pfx, CompactEvery: 2 << 20})
	db := connect(t, b, "q.db")
	mustExec(t, db, "create table t(id integer primary key, b blob)")
	mustExec(t, db, series(200)+" insert into t select value, randomblob(2000) from s")
	// Each update rewrites some 100 pages (400 KiB).
	const rounds = 120 << 20 / (400 << 10)
	for i := range rounds {
		if _, err := db.Exec("update t set b = randomblob(2000)"); err != nil {
			t.Fatalf("update %d of %d (%d MiB written): %v", i, rounds, i*400>>10, err)
		}
	}
	st := b.Stats()
	size := dbSize(t, c)
	t.Logf("%d updates with compaction: %d compactions, etcd database %d MiB of a %d MiB quota", rounds, st.Compactions, size>>20, quota>>20)
	if st.Compactions < 10 || size >= quota {
		t.Fatalf("%d compactions, database %d bytes", st.Compactions, size)
	}

	off := newBackend(t, c, Config{Prefix: pfx, CompactEvery: -1})
	odb := connect(t, off, "q.db")
	var err error
	for i := 0; i < 2*rounds && err == nil; i++ {
		_, err = odb.Exec("update t set b = randomblob(2000)")
	}
	var se *driver.Error
	if !errors.As(err, &se) || se.Code != driver.ErrFull || !errors.Is(err, ErrSpace) {
		t.Fatalf("without compaction: %v; want SQLITE_FULL wrapping ErrSpace", err)
	}
	t.Logf("without compaction: %v", err)
	var n int
	if err := odb.QueryRow("select count(*) from t where length(b) = 2000").Scan(&n); err != nil || n != 200 {
		t.Fatalf("after the quota was hit: %d rows, %v", n, err)
	}
	checkIntegrity(t, odb)
}

func dbSize(t *testing.T, c *etcdtest.Cluster) int64 {
	t.Helper()
	var size int64
	for _, m := range c.Members() {
		st, err := m.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		size = max(size, st.DbSize)
	}
	return size
}

// TestCompactionSparesReaders: compaction never passes the snapshot of a
// reader in another process, which reads old pages (never read before)
// after many compactions; once it ends, compaction moves past it.
func TestCompactionSparesReaders(t *testing.T) {
	c := needCluster(t)
	pfx := prefix(t)
	w := newBackend(t, c, Config{Prefix: pfx, CompactEvery: 256 << 10})
	r := newBackend(t, c, Config{Prefix: pfx})
	wdb := connect(t, w, "c.db")
	mustExec(t, wdb, "create table t(id integer primary key, v integer, pad blob)")
	mustExec(t, wdb, series(2000)+" insert into t select value, 0, randomblob(500) from s")

	rdb := connect(t, r, "c.db")
	ctx := context.Background()
	conn, err := rdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "begin"); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := conn.QueryRowContext(ctx, "select v from t where id = 1").Scan(&v); err != nil {
		t.Fatal(err)
	}
	snapRev := r.file("c.db").knownRev()
	for i := range 30 {
		mustExec(t, wdb, "update t set v = v + 1, pad = randomblob(500) where id % 30 = ?", i)
	}
	rev, err := w.Compact()
	if err != nil {
		t.Fatal(err)
	}
	if rev > snapRev || w.Stats().Compacted > snapRev {
		t.Fatalf("compacted to %d, past the reader's snapshot at %d", max(rev, w.Stats().Compacted), snapRev)
	}
	t.Logf("reader's snapshot at %d; compactions: %d, to %d", snapRev, w.Stats().Compactions, rev)
	var sum int
	if err := conn.QueryRowContext(ctx, "select sum(v) from t").Scan(&sum); err != nil || sum != 0 {
		t.Fatalf("the reader's snapshot after %d compactions: sum %d, %v; want 0", w.Stats().Compactions, sum, err)
	}
	if _, err := conn.ExecContext(ctx, "commit"); err != nil {
		t.Fatal(err)
	}
	// Once the reader is done, its pin moves on and so does compaction.
	deadline := time.Now().Add(10 * time.Second)
	for rev <= snapRev {
		if time.Now().After(deadline) {
			t.Fatalf("compaction stayed at %d, below the ended snapshot %d", rev, snapRev)
		}
		time.Sleep(100 * time.Millisecond)
		if rev, err = w.Compact(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rdb.QueryRow("select sum(v) from t").Scan(&sum); err != nil || sum != 2000 {
		t.Fatalf("the reader's next transaction: sum %d, %v; want 2000", sum, err)
	}
}

func (f *file) knownRev() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.known.rev
}
