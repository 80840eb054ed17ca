package etcd

import (
	"fmt"
	"strings"
	"testing"
)

// TestTwoProcessesOnDifferentMembers runs a writer process that talks only
// to member 0 and a reader process that talks only to member 1: each of the
// writer's commits is visible at the reader's next transaction, and a
// transaction of the reader sees one snapshot while the writer commits,
// even for pages it first reads after those commits.
func TestTwoProcessesOnDifferentMembers(t *testing.T) {
	c := needCluster(t)
	pfx := prefix(t)
	on := func(m int) string {
		return fmt.Sprintf("file:app.db?vfs=etcd&endpoints=%s&prefix=%s", c.Member(m).ClientURL, pfx)
	}
	w := startChild(t, "writer", on(0))
	r := startChild(t, "reader", on(1))

	w.must("exec create table acct(id integer primary key, bal integer); create table log(k integer primary key); " +
		"create table big(id integer primary key, v integer, pad blob)")
	w.must("exec " + series(100) + " insert into acct select value, 100 from s")
	w.must("exec " + series(3000) + " insert into big select value, 0, randomblob(300) from s")

	// Each commit is visible to the reader's next transaction.
	for k := 1; k <= 5; k++ {
		w.must(fmt.Sprintf("exec begin; update acct set bal = bal - %d where id = %d; update acct set bal = bal + %d where id = %d; insert into log values (%d); commit",
			k, k, k, 100-k, k))
		if got := r.must("query select max(k), sum(bal) from log, acct"); got != fmt.Sprintf("%d|%d", k, 100*100*k) {
			t.Fatalf("after commit %d the reader sees max(k)|sum = %s", k, got)
		}
	}

	// One transaction, one snapshot.
	r.must("exec begin")
	if got := r.must("query select max(k), (select sum(bal) from acct) from log"); got != "5|10000" {
		t.Fatalf("reader's snapshot: %s", got)
	}
	for k := 6; k <= 15; k++ {
		w.must(fmt.Sprintf("exec begin; update big set v = v + 1, pad = randomblob(300) where id %% 10 = %d; "+
			"update acct set bal = bal - 7 where id = %d; update acct set bal = bal + 7 where id = %d; insert into log values (%d); commit",
			k%10, k%100+1, (k+37)%100+1, k))
	}
	if got := w.must("query select (select max(k) from log), (select sum(v) from big)"); got != "15|3000" {
		t.Fatalf("the writer sees %s after its commits", got)
	}
	// The reader reads big for the first time: pages the writer rewrote
	// after the snapshot come at the snapshot's revision.
	if got := r.must("query select (select max(k) from log), (select sum(v) from big), (select sum(bal) from acct), (select count(*) from big)"); got != "5|0|10000|3000" {
		t.Fatalf("inside its transaction the reader sees %s, want 5|0|10000|3000 (its snapshot)", got)
	}
	r.must("exec commit")
	if got := r.must("query select (select max(k) from log), (select sum(v) from big), (select sum(bal) from acct)"); got != "15|3000|10000" {
		t.Fatalf("the reader's next transaction sees %s, want 15|3000|10000", got)
	}
	if got := r.must("query pragma integrity_check"); got != "ok" {
		t.Fatalf("integrity_check on the reader: %s", got)
	}
	st := r.must("stats")
	if !strings.Contains(st, "PageReads:") {
		t.Fatalf("stats: %s", st)
	}
	t.Logf("reader's backend: %s", st)
}

// series starts a statement with a common table expression s(value) of the
// numbers 1 to n.
func series(n int) string {
	return fmt.Sprintf("with recursive s(value) as (select 1 union all select value + 1 from s where value < %d)", n)
}
