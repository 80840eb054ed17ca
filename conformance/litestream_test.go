package conformance

import (
	"database/sql"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"
)

// LitestreamVersion is the Litestream the replication test builds.
const litestreamVersion = "v0.5.18"

// litestreamEnv turns the Litestream test on: "1" builds Litestream from
// the Go module proxy (some minutes, once: the binary is kept in the
// temporary directory), a path uses that binary.
const litestreamEnv = "STABLESQLITE_LITESTREAM"

// litestream returns the Litestream binary, building it if asked to.
func litestream(t *testing.T) string {
	t.Helper()
	switch v := os.Getenv(litestreamEnv); v {
	case "":
		t.Skipf("set %s=1 to build Litestream %s and replicate a database this driver writes (some minutes)", litestreamEnv, litestreamVersion)
	case "1":
		bin := filepath.Join(os.TempDir(), "stablesqlite-litestream-"+litestreamVersion)
		path := filepath.Join(bin, "litestream")
		if _, err := os.Stat(path); err == nil {
			return path
		}
		cmd := osexec.Command("go", "install", "github.com/benbjohnson/litestream/cmd/litestream@"+litestreamVersion)
		cmd.Env = append(os.Environ(), "GOBIN="+bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building Litestream: %v\n%s", err, out)
		}
		return path
	default:
		return v
	}
	return ""
}

// Litestream replicates a database this driver writes in WAL mode, beside
// it (it reads the WAL and checkpoints through the shared WAL index), and
// the copy it restores has every row and is sound.
func TestLitestreamReplicates(t *testing.T) {
	bin := litestream(t)
	cli := sqlite3cli.Path(t)
	dir := t.TempDir()
	path, replica, restored := filepath.Join(dir, "app.db"), filepath.Join(dir, "replica"), filepath.Join(dir, "restored.db")
	db, err := sql.Open("stablesqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("create table t(id integer primary key, pad blob)"); err != nil {
		t.Fatal(err)
	}
	var out childOutput
	rep := osexec.Command(bin, "replicate", path, "file://"+replica)
	rep.Stdout, rep.Stderr = &out, &out
	if err := rep.Start(); err != nil {
		t.Fatal(err)
	}
	defer rep.Process.Kill()
	const rows = 2000
	for i := 1; i <= rows; i++ {
		if _, err := db.Exec("insert into t values (?, randomblob(500))", i); err != nil {
			t.Fatalf("insert %d beside Litestream: %v\n%s", i, err, out.String())
		}
		if i%200 == 0 {
			time.Sleep(50 * time.Millisecond) // let it sync some in between
		}
	}
	// Litestream syncs every second by default.
	time.Sleep(3 * time.Second)
	rep.Process.Signal(syscall.SIGTERM)
	rep.Wait()
	res := osexec.Command(bin, "restore", "-o", restored, "file://"+replica)
	if o, err := res.CombinedOutput(); err != nil {
		t.Fatalf("litestream restore: %v\n%s\nreplicate said:\n%s", err, o, out.String())
	}
	got, err := osexec.Command(cli, restored, "pragma integrity_check; select count(*), max(id) from t").CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != fmt.Sprintf("ok\n%d|%d", rows, rows) {
		t.Fatalf("the restored copy: %v %q\nreplicate said:\n%s", err, got, out.String())
	}
}
