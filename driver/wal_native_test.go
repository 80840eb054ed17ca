package driver_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"

	"github.com/stablesqlite/stablesqlite/driver"
)

// native runs SQL in the native sqlite3 shell on path and returns what it
// printed.
func native(t *testing.T, cli, path, sql string) string {
	t.Helper()
	cmd := osexec.Command(cli, "-batch", "-cmd", ".timeout 5000", path)
	cmd.Stdin = strings.NewReader(sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("native sqlite3: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// shell is a native sqlite3 process kept open, to hold a transaction.
type shell struct {
	cmd *osexec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startShell(t *testing.T, cli, path string) *shell {
	t.Helper()
	cmd := osexec.Command(cli, "-batch", path)
	in, _ := cmd.StdinPipe()
	pipe, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sh := &shell{cmd: cmd, in: in, out: bufio.NewScanner(pipe)}
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	return sh
}

// run sends sql, then waits for the line the shell prints for marker.
func (sh *shell) run(t *testing.T, sql, marker string) {
	t.Helper()
	fmt.Fprintf(sh.in, "%s\nselect '%s';\n", sql, marker)
	for sh.out.Scan() {
		if line := sh.out.Text(); line == marker {
			return
		} else if strings.Contains(line, "Error") {
			t.Fatalf("native sqlite3: %s", line)
		}
	}
	t.Fatalf("native sqlite3 ended before %s", marker)
}

// The driver and native sqlite3 in other processes use one WAL database at
// the same time, in both directions, and each sees the other's commits at
// once; a transaction held open by one lets the other read its snapshot at
// once and makes its writes wait for the busy timeout, then fail with
// SQLITE_BUSY, never SQLITE_PROTOCOL.
func TestWALSharedWithNative(t *testing.T) {
	cli := sqlite3cli.Path(t)
	path := filepath.Join(t.TempDir(), "shared.db")
	db := open(t, path+"?_pragma=journal_mode(WAL)")
	mustExec(t, db, "create table t(who, n)")
	mustExec(t, db, "insert into t values ('driver', 0)")
	count := func(who string) int {
		t.Helper()
		var n int
		if err := db.QueryRow("select count(*) from t where who = ?", who).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := native(t, cli, path, "select count(*) from t;"); got != "1" {
		t.Fatalf("native sqlite3 reads %q rows of this process's", got)
	}
	native(t, cli, path, "insert into t values ('native', 0);")
	if n := count("native"); n != 1 {
		t.Fatalf("this process sees %d native rows", n)
	}

	// Both write at once for a while.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ours int
	var ourErr error
	wg.Go(func() {
		for ours = 1; ; ours++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := db.Exec("insert into t values ('driver', ?)", ours); err != nil {
				ourErr = err
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	})
	for k := 1; k <= 15; k++ {
		native(t, cli, path, fmt.Sprintf("insert into t values ('native', %d); select count(*) from t where who = 'driver';", k))
	}
	close(stop)
	wg.Wait()
	if ourErr != nil {
		t.Fatal(ourErr)
	}
	if n := count("native"); n != 16 {
		t.Fatalf("%d native rows, want 16", n)
	}
	if got := native(t, cli, path, "pragma integrity_check; select count(*) from t where who = 'driver';"); got != fmt.Sprintf("ok\n%d", ours) {
		t.Fatalf("native sqlite3 after both wrote: %q, want ok and %d", got, ours)
	}

	// Native holds a write transaction open.
	sh := startShell(t, cli, path)
	sh.run(t, "begin immediate; insert into t values ('held', 0);", "ready")
	start := time.Now()
	if n := count("held"); n != 0 || time.Since(start) > time.Second {
		t.Fatalf("read beside a native writer: %d rows in %v", n, time.Since(start))
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn.ExecContext(ctx, "pragma busy_timeout = 300")
	start = time.Now()
	_, err = conn.ExecContext(ctx, "insert into t values ('driver', -1)")
	waited := time.Since(start)
	conn.ExecContext(ctx, "pragma busy_timeout = 5000")
	conn.Close()
	if !errors.Is(err, driver.ErrBusy) || waited < 250*time.Millisecond || waited > 3*time.Second {
		t.Fatalf("write beside a native writer: %v after %v, want SQLITE_BUSY after the 300 ms busy timeout", err, waited)
	}
	sh.run(t, "commit;", "done")
	if n := count("held"); n != 1 {
		t.Fatalf("after native committed: %d held rows", n)
	}

	// This process holds a write transaction open.
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("insert into t values ('ours-held', 0)"); err != nil {
		t.Fatal(err)
	}
	if got := native(t, cli, path, "select count(*) from t where who = 'ours-held';"); got != "0" {
		t.Fatalf("native read beside this process's writer: %q", got)
	}
	cmd := osexec.Command(cli, "-batch", "-cmd", ".timeout 300", path, "insert into t values ('native', -1);")
	start = time.Now()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "locked") || time.Since(start) > 3*time.Second {
		t.Fatalf("native write beside this process's writer: %v %q after %v", err, out, time.Since(start))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := native(t, cli, path, "select count(*) from t where who = 'ours-held';"); got != "1" {
		t.Fatalf("native read after this process committed: %q", got)
	}
}

// Readers of this process that run one read transaction after another
// without pause, each time on the same read-mark slot, still let a native
// checkpointer in another process restart and truncate the WAL within its
// busy timeout: the OS lock of a slot outlives its last reader here only
// briefly (backend/shm).
func TestNativeCheckpointBesideBusyReaders(t *testing.T) {
	cli := sqlite3cli.Path(t)
	path := filepath.Join(t.TempDir(), "busy.db")
	db := open(t, path+"?_pragma=journal_mode(WAL)")
	mustExec(t, db, "create table t(n)")
	mustExec(t, db, "insert into t values (0)")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads [2]int
	var readErr [2]error
	for i := range reads {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil {
					readErr[i] = err
					return
				}
				reads[i]++
			}
		})
	}
	var sql strings.Builder
	for k := 1; k <= 200; k++ {
		fmt.Fprintf(&sql, "insert into t values (%d);\n", k)
	}
	native(t, cli, path, sql.String())
	got := native(t, cli, path, "pragma wal_checkpoint(truncate);")
	close(stop)
	wg.Wait()
	for i, err := range readErr {
		if err != nil || reads[i] == 0 {
			t.Fatalf("reader %d: %d reads, %v", i, reads[i], err)
		}
	}
	if got != "0|0|0" {
		t.Fatalf("native checkpoint(truncate) beside this process's readers: %q, want 0|0|0 (not busy, WAL emptied)", got)
	}
	if st, err := os.Stat(path + "-wal"); err != nil || st.Size() != 0 {
		t.Fatalf("WAL after the truncating checkpoint: %v, %v", st.Size(), err)
	}
	var n int
	if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 201 {
		t.Fatalf("this process reads %d rows, %v", n, err)
	}
}
