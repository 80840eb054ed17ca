package etcd

import (
	"context"
	"testing"
)

// TestCacheStaysValid: a process's page cache serves its next transactions
// without rereading pages, and after another process commits it rereads
// only the pages that commit changed (it asks the change log, it does not
// reread everything).
func TestCacheStaysValid(t *testing.T) {
	c := needCluster(t)
	pfx := prefix(t)
	w := newBackend(t, c, Config{Prefix: pfx})
	r := newBackend(t, c, Config{Prefix: pfx})
	wdb := connect(t, w, "cache.db")
	mustExec(t, wdb, "create table t(id integer primary key, v integer, pad blob)")
	mustExec(t, wdb, series(5000)+" insert into t select value, 0, randomblob(200) from s")

	rdb := connect(t, r, "cache.db")
	rdb.SetMaxIdleConns(0) // every query on a new connection: SQLite's own cache starts cold
	sum := func() int {
		t.Helper()
		var s int
		if err := rdb.QueryRowContext(context.Background(), "select sum(v) from t").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	sum()
	cold := r.Stats()
	if cold.PageReads < 200 {
		t.Fatalf("reading the table the first time read %d pages from etcd", cold.PageReads)
	}
	if s := sum(); s != 0 {
		t.Fatalf("sum %d", s)
	}
	warm := r.Stats()
	if warm.PageReads != cold.PageReads || warm.CacheHits-cold.CacheHits < 200 {
		t.Fatalf("a second transaction read %d pages from etcd and %d from the cache; want 0 and all",
			warm.PageReads-cold.PageReads, warm.CacheHits-cold.CacheHits)
	}
	mustExec(t, wdb, "update t set v = 1 where id in (10, 4000)")
	if s := sum(); s != 2 {
		t.Fatalf("after the other process's commit: sum %d, want 2", s)
	}
	after := r.Stats()
	if n := after.PageReads - warm.PageReads; n < 2 || n > 6 {
		t.Fatalf("after a commit that changed 3 pages the reader read %d pages from etcd", n)
	}
	if after.CacheResets != 0 {
		t.Fatalf("the cache started over %d times", after.CacheResets)
	}
	t.Logf("first read %d pages; then 0; after a 2-row update %d", cold.PageReads, after.PageReads-warm.PageReads)
}
