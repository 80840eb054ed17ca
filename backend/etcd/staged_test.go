package etcd

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend/etcd/internal/etcdtest"
	"github.com/stablesqlite/stablesqlite/driver"
)

// TestStagedCommit: on a cluster that takes at most 16 operations and 128
// KiB per request, transactions of 4 MiB commit (staged over many etcd
// transactions, each within those limits, or the cluster would refuse
// them), another process reads them whole, and a DSN that claims larger
// limits than the cluster's fails with SQLITE_FULL naming them.
func TestStagedCommit(t *testing.T) {
	t.Parallel() // it mostly waits
	c := newCluster(t, etcdtest.Options{NoFsync: true, MaxTxnOps: 16, MaxRequestBytes: 128 << 10})
	pfx := prefix(t)
	limits := []string{"max-txn-ops=16", "max-request-bytes=128KiB"}
	w := newBackend(t, c, Config{Prefix: pfx, MaxTxnOps: 16, MaxRequestBytes: 128 << 10})
	db := connect(t, w, "big.db")
	mustExec(t, db, "create table t(id integer primary key, b blob)")
	blobs := make([][]byte, 4)
	for i := range blobs {
		blobs[i] = make([]byte, 1<<20)
		rand.Read(blobs[i])
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range blobs {
		if _, err := tx.Exec("insert into t values (?, ?)", i, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit of 4 MiB: %v", err)
	}
	st := w.Stats()
	if st.StagedTxns < 1024/16 {
		t.Fatalf("4 MiB committed in %d staged transactions; want at least %d (16 operations each)", st.StagedTxns, 1024/16)
	}
	t.Logf("writer: %+v", st)

	r := openDB(t, dsn(c, pfx, "big.db", limits...))
	for i, want := range blobs {
		var got []byte
		if err := r.QueryRow("select b from t where id = ?", i).Scan(&got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("blob %d read by another process: %d bytes, %v", i, len(got), err)
		}
	}
	// Update most of it, then shrink it: a staged commit that also cuts the file.
	mustExec(t, db, "update t set b = randomblob(1000000) where id < 3")
	mustExec(t, db, "delete from t where id > 0")
	mustExec(t, db, "vacuum")
	var n int
	if err := r.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after delete and vacuum the reader counts %d rows, %v", n, err)
	}
	checkIntegrity(t, r)

	// Claiming more than the cluster takes: a commit of 40 pages in one
	// etcd transaction of 42 operations, which the cluster refuses.
	big := openDB(t, dsn(c, pfx, "big.db"))
	_, err = big.Exec("insert into t values (9, randomblob(150000))")
	var se *driver.Error
	if !errors.As(err, &se) || se.Code != driver.ErrFull || !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "max-txn-ops") {
		t.Fatalf("a commit over the cluster's limits: %v; want SQLITE_FULL wrapping ErrTooLarge, naming max-txn-ops", err)
	}
	t.Logf("over the limits: %v", err)
	if err := r.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the refused commit: %d rows, %v", n, err)
	}
}

// TestCrashedStagedCommit: a writer dies (SIGKILL) half-way through a
// staged commit; readers meanwhile see the state before it; the next
// writer rolls the staged pages back and the database is as before, then
// goes on.
func TestCrashedStagedCommit(t *testing.T) {
	t.Parallel() // it mostly waits
	c := needCluster(t)
	pfx := prefix(t)
	opts := []string{"max-txn-ops=16", "max-request-bytes=64KiB", "lease-ttl=2s"}
	a := startChild(t, "A", dsn(c, pfx, "crash.db", opts...))
	a.must("exec create table t(id integer primary key, b blob)")
	a.must("exec " + series(200) + " insert into t select value, randomblob(2000) from s")
	r := openDB(t, dsn(c, pfx, "crash.db", opts...))
	digest := func(db *sql.DB) string {
		var s string
		if err := db.QueryRow("select count(*) || ':' || total(length(b)) || ':' || group_concat(substr(hex(b), 1, 16), '') from t").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := digest(r)

	a.must("hang-after-stage")
	a.send("exec update t set b = randomblob(3000)") // about 150 pages: many staged transactions
	if got := a.read(30 * time.Second); got != "ok staged" {
		t.Fatalf("writer did not stage: %q", got)
	}
	if got := digest(r); got != before {
		t.Fatal("a reader sees pages of a staged commit that never finished")
	}
	a.kill()

	w := newBackend(t, c, Config{Prefix: pfx, MaxTxnOps: 16, MaxRequestBytes: 64 << 10, LeaseTTL: testTTL})
	db := connect(t, w, "crash.db")
	if got := digest(db); got != before {
		t.Fatal("a new process sees pages of the dead writer's staged commit")
	}
	deadline := time.Now().Add(4 * testTTL)
	for {
		_, err := db.Exec("insert into t values (1000, x'00')")
		if err == nil {
			break
		}
		if !errors.Is(err, driver.ErrBusy) || time.Now().After(deadline) {
			t.Fatalf("writing after the writer died: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := w.Stats(); st.Recoveries != 1 {
		t.Fatalf("recoveries: %d, want 1", st.Recoveries)
	}
	mustExec(t, db, "delete from t where id = 1000")
	if got := digest(r); got != before {
		t.Fatal("after the rollback of the staged pages the database is not as before")
	}
	checkIntegrity(t, r)
	checkIntegrity(t, db)
}

// connect opens a database/sql handle on name in backend b.
func connect(t *testing.T, b *Backend, name string, opts ...driver.Option) *sql.DB {
	t.Helper()
	cn, err := driver.NewConnector("", append([]driver.Option{driver.WithBackend(b, name)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(cn)
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func checkIntegrity(t *testing.T, db *sql.DB) {
	t.Helper()
	var s string
	if err := db.QueryRow("pragma integrity_check").Scan(&s); err != nil || s != "ok" {
		t.Fatalf("integrity_check: %q, %v", s, err)
	}
}
