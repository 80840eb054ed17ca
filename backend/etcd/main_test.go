package etcd

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend/etcd/internal/etcdtest"
	"github.com/stablesqlite/stablesqlite/wasm"
)

// The tests share one 3-member cluster on loopback (each test under its own
// key prefix); tests that kill members or fill the quota start their own.
var (
	cluster    *etcdtest.Cluster
	clusterErr error
	clusterDir string
)

func TestMain(m *testing.M) {
	if os.Getenv(wasm.CacheDirEnv) == "" {
		os.Setenv(wasm.CacheDirEnv, filepath.Join(os.TempDir(), "stablesqlite-test-cache"))
	}
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(runChild(role))
	}
	flag.Parse()
	var err error
	if clusterDir, err = os.MkdirTemp("", "stablesqlite-etcd-test"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cluster, clusterErr = etcdtest.Start(clusterDir, etcdtest.Options{NoFsync: true})
	if clusterErr != nil {
		fmt.Fprintf(os.Stderr, "backend/etcd tests: cannot start an etcd cluster: %v\n", clusterErr)
		if os.Getenv("CI") == "true" {
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "backend/etcd tests: skipping every test that needs a cluster (CI is not set)")
		flag.Set("test.skip", "^Example") // an example cannot skip itself
	}
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	os.RemoveAll(clusterDir)
	os.Exit(code)
}

// needCluster returns the shared cluster, or skips the test (fails it when
// CI=true) if there is none.
func needCluster(t testing.TB) *etcdtest.Cluster {
	t.Helper()
	if cluster == nil {
		noServer(t, clusterErr)
	}
	return cluster
}

func noServer(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("no etcd server: %v", err)
	}
	t.Skipf("no etcd server (set CI=true to make this a failure): %v", err)
}

// newCluster starts a cluster of the test's own, stopped at cleanup.
func newCluster(t testing.TB, opts etcdtest.Options) *etcdtest.Cluster {
	t.Helper()
	if _, err := etcdtest.Server(); err != nil {
		noServer(t, err)
	}
	start := time.Now()
	c, err := etcdtest.Start(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("starting an etcd cluster: %v", err)
	}
	t.Logf("3-member cluster up in %v", time.Since(start).Round(time.Millisecond))
	t.Cleanup(c.Stop)
	return c
}

var prefixSeq atomic.Int64

// prefix returns a key prefix no other test uses.
func prefix(t testing.TB) string {
	return fmt.Sprintf("/t%d-%d-%s/", os.Getpid(), prefixSeq.Add(1), strings.ReplaceAll(t.Name(), "/", "_"))
}

// dsn returns a DSN for database name on cluster c under its own prefix,
// with extra parameters appended.
func dsn(c *etcdtest.Cluster, pfx, name string, extra ...string) string {
	s := fmt.Sprintf("file:%s?vfs=etcd&endpoints=%s&prefix=%s", name, c.Endpoints(), pfx)
	for _, e := range extra {
		s += "&" + e
	}
	return s
}

// newBackend returns a backend of its own (another "process" to the
// cluster) on cluster c, closed at cleanup.
func newBackend(t testing.TB, c *etcdtest.Cluster, cfg Config) *Backend {
	t.Helper()
	cfg.Endpoints = strings.Split(c.Endpoints(), ",")
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
