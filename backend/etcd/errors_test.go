package etcd

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/driver"
)

// TestDeadCluster: sql.Open on endpoints where nothing listens succeeds
// (it only checks the DSN); the first query fails within the timeouts
// with an error that says the cluster did not answer.
func TestDeadCluster(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	db, err := sql.Open("stablesqlite", "file:dead.db?vfs=etcd&endpoints="+addr+"&dial-timeout=1s&command-timeout=1s&prefix="+prefix(t))
	if err != nil {
		t.Fatalf("sql.Open connects nothing, yet: %v", err)
	}
	defer db.Close()
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("sql.Open took %v", d)
	}
	_, err = db.Exec("create table t(x)")
	var se *driver.Error
	if !errors.As(err, &se) || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("first use of a dead cluster: %v; want a driver error wrapping ErrUnavailable that names %s", err, addr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the error took %v", d)
	}
	t.Logf("%v (after %v)", err, time.Since(start).Round(time.Millisecond))
}

// TestCorruptValues: a page or head value that is not what the backend
// wrote is an I/O error naming it, on every read, never data.
func TestCorruptValues(t *testing.T) {
	c := needCluster(t)
	pfx := prefix(t)
	w := newBackend(t, c, Config{Prefix: pfx})
	db := connect(t, w, "bad.db")
	mustExec(t, db, "create table t(x)")
	mustExec(t, db, series(500)+" insert into t select randomblob(100) from s")
	cli, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	keys := newFileKeys(pfx, "bad.db")
	ctx := context.Background()
	resp, err := cli.Get(ctx, keys.page(3))
	if err != nil || len(resp.Kvs) == 0 {
		t.Fatalf("page 3: %v", err)
	}
	v := resp.Kvs[0].Value
	v[100] ^= 0x40 // one bit
	if _, err := cli.Put(ctx, keys.page(3), string(v)); err != nil {
		t.Fatal(err)
	}
	r := newBackend(t, c, Config{Prefix: pfx})
	rdb := connect(t, r, "bad.db")
	for range 2 {
		var n int
		err = rdb.QueryRow("select count(*) from t where length(x) = 100").Scan(&n)
		var se *driver.Error
		if !errors.As(err, &se) || se.Code != driver.ErrIOErr || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "page 3") {
			t.Fatalf("reading a corrupt page: %d, %v; want an I/O error wrapping ErrCorrupt naming page 3", n, err)
		}
	}
	t.Logf("%v", err)
	if _, err := cli.Put(ctx, keys.head, "not a head"); err != nil {
		t.Fatal(err)
	}
	_, err = connect(t, newBackend(t, c, Config{Prefix: pfx}), "bad.db").Exec("select 1 from t")
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("opening a file with a corrupt head: %v; want an error wrapping ErrCorrupt", err)
	}
}

// TestNoWAL: WAL mode is refused with an error saying why, and the
// database goes on in its journal mode.
func TestNoWAL(t *testing.T) {
	c := needCluster(t)
	db := openDB(t, dsn(c, prefix(t), "wal.db"))
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table t(x)")
	mustExec(t, db, "insert into t values (1)")
	// (Exec, not QueryRow: Row.Scan drops the error of the statement's end,
	// where the change of mode commits.)
	_, err := db.Exec("pragma journal_mode=wal")
	if !errors.Is(err, ErrNoWAL) {
		t.Fatalf("journal_mode=wal: %v; want an error wrapping ErrNoWAL", err)
	}
	t.Logf("%v", err)
	mustExec(t, db, "insert into t values (2)")
	var mode string
	if err := db.QueryRow("pragma journal_mode").Scan(&mode); err != nil || mode != "delete" {
		t.Fatalf("journal mode after the refusal: %q, %v", mode, err)
	}
	var n int
	if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d rows, %v", n, err)
	}
	checkIntegrity(t, db)
}

// TestDSN: the parameters are checked at sql.Open, with errors that name
// them; New connects nothing.
func TestDSN(t *testing.T) {
	for _, q := range []string{
		"dial-timeout=soon", "command-timeout=-1s", "lease-ttl=500ms", "max-txn-ops=2", "max-request-bytes=1KiB",
		"page-cache=lots", "compact-every=-5", "cert=/nonexistent.pem&key=/nonexistent.key", "cacert=/nonexistent/ca.pem",
		"password=secret", "insecure-skip-tls-verify=maybe", "endpoints=,", "lock-linger=-1s",
	} {
		_, err := sql.Open("stablesqlite", "file:x.db?vfs=etcd&"+q)
		key, _, _ := strings.Cut(q, "=")
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: %v; want an error naming %s", q, err, key)
		}
	}
	if _, err := sql.Open("stablesqlite", "file:x.db?vfs=heap&endpoints=127.0.0.1:2379"); err == nil || !strings.Contains(err.Error(), "vfs=etcd") {
		t.Errorf("an etcd parameter on another backend: %v", err)
	}
	cfg, err := ParseParams(map[string]string{"endpoints": "a:1, https://b:2", "user": "root:pw", "prefix": "app",
		"compact-every": "off", "page-cache": "0", "lock-linger": "0", "lease-ttl": "3s"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cfg.Endpoints) != "[a:1 https://b:2]" || cfg.User != "root" || cfg.Password != "pw" || cfg.Prefix != "app/" ||
		cfg.CompactEvery >= 0 || cfg.PageCache >= 0 || cfg.LockLinger >= 0 || cfg.LeaseTTL != 3*time.Second ||
		cfg.CommandTimeout != DefaultCommandTimeout || cfg.MaxTxnOps != DefaultMaxTxnOps || !cfg.tls() {
		t.Fatalf("parsed %+v", cfg)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if b.cli != nil {
		t.Fatal("New connected")
	}
	b.Close()
	f1, _ := Shared(Config{Prefix: "/same/"})
	f2, _ := Shared(Config{Prefix: "/same"})
	if f1 != f2 {
		t.Fatal("two DSNs with the same parameters got two backends")
	}
}
