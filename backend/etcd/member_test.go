package etcd

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend/etcd/internal/etcdtest"
)

// TestMemberKilled: during a write workload the leader of the cluster is
// SIGKILLed. Every acknowledged commit is kept, writes go on with the two
// other members, and the killed member, restarted, catches up: a process
// that talks only to it reads every acknowledged row.
func TestMemberKilled(t *testing.T) {
	t.Parallel() // it mostly waits
	// Members that sync to disk, as in production.
	c := newCluster(t, etcdtest.Options{})
	pfx := prefix(t)
	db := openDB(t, dsn(c, pfx, "w.db", "command-timeout=2s"))
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(id integer primary key, pair integer)")

	var mu sync.Mutex
	acked := map[int]bool{}
	failed := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// Two rows per transaction: both land or neither.
			_, err := db.Exec("insert into t values (?, ?), (?, ?)", 2*i, i, 2*i+1, i)
			mu.Lock()
			if err == nil {
				acked[i] = true
			} else {
				failed++
			}
			mu.Unlock()
		}
	}()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	waitFor := func(n int, what string) {
		deadline := time.Now().Add(30 * time.Second)
		for count() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: only %d commits acknowledged", what, count())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(100, "before the kill")
	ctx := context.Background()
	leader, err := c.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := leader.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := count()
	t.Logf("killed the leader %s after %d commits", leader.Name, killedAt)
	waitFor(killedAt+200, "with two members")
	t.Logf("%d commits acknowledged with the leader dead", count()-killedAt)
	if err := leader.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(count()+100, "after the restart")
	close(stop)
	wg.Wait()

	// The restarted member catches up: its own revision reaches the
	// cluster's.
	var others *etcdtest.Member
	for _, m := range c.Members() {
		if m != leader {
			others = m
		}
	}
	st, err := others.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	target := st.Header.Revision
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := leader.Status(ctx)
		if err == nil && s.Header.Revision >= target {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted member did not catch up to revision %d: %v", target, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	only := openDB(t, fmt.Sprintf("file:w.db?vfs=etcd&endpoints=%s&prefix=%s", leader.ClientURL, pfx))
	rows, err := only.Query("select id, pair from t")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]int{}
	for rows.Next() {
		var id, pair int
		rows.Scan(&id, &pair)
		got[pair]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for i := range acked {
		if got[i] != 2 {
			t.Errorf("acknowledged commit %d: %d of its 2 rows on the restarted member", i, got[i])
		}
	}
	for i, n := range got {
		if n != 2 {
			t.Errorf("commit %d is there by halves (%d rows)", i, n)
		}
	}
	t.Logf("%d commits acknowledged, %d failed (outcome reported as an error), %d transactions present", len(acked), failed, len(got))
	checkIntegrity(t, only)
}
