package etcd

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/etcd/internal/etcdtest"
	"github.com/stablesqlite/stablesqlite/driver"
)

// TestTLSAndAuth: on a cluster that serves clients over TLS only, with
// client certificates and authentication on, a DSN with the CA, the
// client certificate and the credentials works; one without the CA, or
// with a wrong password, fails with an error that says why.
func TestTLSAndAuth(t *testing.T) {
	t.Parallel() // it mostly waits for its own cluster
	c := newCluster(t, etcdtest.Options{NoFsync: true, TLS: true})
	cli, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	if _, err := cli.RoleAdd(ctx, "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.UserAdd(ctx, "root", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
	tlsParams := []string{"cacert=" + c.TLS.CA, "cert=" + c.TLS.Cert, "key=" + c.TLS.Key, "dial-timeout=2s", "command-timeout=2s"}
	pfx := prefix(t)
	db := openDB(t, dsn(c, pfx, "tls.db", append(tlsParams, "user=root:s3cret")...))
	mustExec(t, db, "create table t(x); insert into t values ('over TLS')")
	var s string
	if err := db.QueryRow("select x from t").Scan(&s); err != nil || s != "over TLS" {
		t.Fatalf("%q, %v", s, err)
	}

	bad := openDB(t, dsn(c, pfx, "tls.db", append(tlsParams, "user=root:wrong")...))
	err = bad.QueryRow("select x from t").Scan(&s)
	var se *driver.Error
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("a wrong password: %v; want an error saying authentication failed (and not showing the password)", err)
	}
	t.Logf("wrong password: %v", err)

	noCA := openDB(t, dsn(c, pfx, "tls.db", "user=root:s3cret", "dial-timeout=1s", "command-timeout=1s"))
	if err := noCA.QueryRow("select x from t").Scan(&s); err == nil {
		t.Fatal("a client without the cluster's CA read the database")
	} else {
		t.Logf("without the CA: %v", err)
	}
}
