package etcd

import (
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestLostCommitAnswer: when the answer to a commit is lost, the backend
// fences the commit off and asks the head whether it applied. A commit
// that applied is reported as committed; one that never reached the
// cluster is not, and SQLite's retry (its fallback to a journal) commits
// it once.
func TestLostCommitAnswer(t *testing.T) {
	c := needCluster(t)
	b := newBackend(t, c, Config{Prefix: prefix(t)})
	db := connect(t, b, "lost.db")
	mustExec(t, db, "create table t(x)")
	lost := status.Error(codes.Unavailable, "test: the answer was lost")
	defer func() { testHookFinish = nil }()

	testHookFinish = func(send func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
		send() // applies
		return nil, lost
	}
	if _, err := db.Exec("insert into t values ('applied, answer lost')"); err != nil {
		t.Fatalf("a commit that applied but whose answer was lost: %v", err)
	}
	if st := b.Stats(); st.Resolved != 1 {
		t.Fatalf("resolved %d commits, want 1", st.Resolved)
	}

	once := true
	testHookFinish = func(send func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
		if once {
			once = false
			return nil, lost // never sent
		}
		return send()
	}
	if _, err := db.Exec("insert into t values ('not sent the first time')"); err != nil {
		t.Fatalf("a commit lost before it reached the cluster, then retried by SQLite: %v", err)
	}
	testHookFinish = nil
	if st := b.Stats(); st.Resolved != 2 || st.Commits != 3 {
		t.Fatalf("%+v: want 2 commits asked after and 3 commits in all", st)
	}
	var n int
	if err := db.QueryRow("select count(*) from t where x = 'not sent the first time'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the retried commit left %d rows, %v; want 1", n, err)
	}
	if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d rows, %v; want 2", n, err)
	}
	checkIntegrity(t, db)
}
