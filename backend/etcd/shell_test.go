package etcd

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/etcd/internal/etcdtest"
)

// TestShell builds the shell of this module (cmd/stablesqlite) and runs it
// on a database in the cluster: a table created by one run is read by the
// next.
func TestShell(t *testing.T) {
	t.Parallel() // it mostly waits for the build
	c := needCluster(t)
	bin := filepath.Join(t.TempDir(), "stablesqlite")
	if out, err := exec.Command(etcdtest.GoCommand(), "build", "-o", bin, "./cmd/stablesqlite").CombinedOutput(); err != nil {
		t.Fatalf("building the shell: %v\n%s", err, out)
	}
	d := dsn(c, prefix(t), "shell.db")
	if out, err := exec.Command(bin, d, "create table t(x); insert into t values ('from the shell')").CombinedOutput(); err != nil {
		t.Fatalf("shell: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, d)
	cmd.Stdin = strings.NewReader(".tables\nselect x from t;\n")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "t\nfrom the shell\n" {
		t.Fatalf("shell: %v\n%q", err, out)
	}
}
