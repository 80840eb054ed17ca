package conformance

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"

	"github.com/stablesqlite/stablesqlite/driver"
)

// Several processes on one WAL database, in the manner of SQLite's mptest:
// processes of this driver and native sqlite3 shells run random
// transactions on counters for a while, each commit adding one to a counter
// and one row to a log. Every read transaction in the driver's processes
// checks that its snapshot is whole (the counters sum to the log's rows);
// checkpoints, of every kind, run among the writes and reset the WAL. At
// the end the sums are exact and the database is sound.

const (
	childRole = "STABLESQLITE_CONFORMANCE_CHILD"
	childDB   = "STABLESQLITE_CONFORMANCE_DB"
	counters  = 8
)

// TestChildProcess is the body of the child processes the tests here
// start; in any other run it skips.
func TestChildProcess(t *testing.T) {
	path := os.Getenv(childDB)
	switch os.Getenv(childRole) {
	case "":
		t.Skip("runs as a child process")
	case "worker":
		worker(t, path)
	case "holder":
		holder(t, path)
	default:
		t.Fatalf("unknown role %q", os.Getenv(childRole))
	}
}

// worker runs random transactions for a while and prints what it did:
// commits, checkpoints that completed, and snapshot checks.
func worker(t *testing.T, path string) {
	db, err := sql.Open("stablesqlite", path+"?_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(2)
	r := rand.New(rand.NewPCG(uint64(os.Getpid()), 7))
	deadline := time.Now().Add(2 * time.Second)
	commits, checkpoints, checks := 0, 0, 0
	for time.Now().Before(deadline) {
		switch op := r.IntN(20); {
		case op == 0:
			mode := []string{"PASSIVE", "FULL", "RESTART", "TRUNCATE"}[r.IntN(4)]
			var busy, logFrames, done int
			if err := db.QueryRow("pragma wal_checkpoint("+mode+")").Scan(&busy, &logFrames, &done); err != nil {
				t.Fatalf("checkpoint %s: %v", mode, err)
			}
			if busy == 0 {
				checkpoints++
			}
		case op < 6:
			tx, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			var sum, logged int
			err = tx.QueryRow("select (select sum(n) from counters), (select count(*) from log)").Scan(&sum, &logged)
			tx.Rollback()
			if err != nil {
				t.Fatal(err)
			}
			if sum != logged {
				t.Fatalf("a torn snapshot: counters sum to %d, the log has %d rows", sum, logged)
			}
			checks++
		default:
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			_, err = tx.Exec("update counters set n = n + 1 where id = ?", r.IntN(counters))
			if err == nil {
				_, err = tx.Exec("insert into log(who) values (?)", fmt.Sprintf("driver-%d", os.Getpid()))
			}
			if err == nil {
				err = tx.Commit()
			} else {
				tx.Rollback()
			}
			if err != nil {
				t.Fatalf("transaction: %v", err)
			}
			commits++
		}
	}
	fmt.Printf("worker: commits=%d checkpoints=%d checks=%d\n", commits, checkpoints, checks)
}

// holder opens a write transaction, writes into the WAL, says so, and
// waits to be killed.
func holder(t *testing.T, path string) {
	db, err := sql.Open("stablesqlite", path+"?_pragma=cache_size(10)")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	// Enough rows to spill out of a ten-page cache into the WAL.
	if _, err := tx.Exec("insert into log(who) select 'killed' from (with recursive c(x) as (select 1 union all select x+1 from c limit 5000) select x from c)"); err != nil {
		t.Fatal(err)
	}
	fmt.Println("holder: holding")
	time.Sleep(time.Minute)
}

// startChild starts this test binary as a child process in role on path.
// childOutput collects a child's output; the test reads it while the
// child runs.
type childOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *childOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *childOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

func startChild(t *testing.T, role, path string, out *childOutput) *osexec.Cmd {
	t.Helper()
	cmd := osexec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childRole+"="+role, childDB+"="+path)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func newWALDatabase(t *testing.T) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mp.db")
	db, err := sql.Open("stablesqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		"create table counters(id integer primary key, n integer not null)",
		"create table log(seq integer primary key, who text)",
		"insert into counters select x, 0 from (with recursive c(x) as (select 0 union all select x+1 from c limit " + strconv.Itoa(counters) + ") select x from c)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return path, db
}

func TestMultiProcessWAL(t *testing.T) {
	cli := sqlite3cli.Path(t)
	path, db := newWALDatabase(t)
	const ours, natives, nativeTxs = 3, 2, 500
	outs := make([]*childOutput, ours)
	cmds := make([]*osexec.Cmd, ours)
	for k := range cmds {
		outs[k] = &childOutput{}
		cmds[k] = startChild(t, "worker", path, outs[k])
	}
	var wg sync.WaitGroup
	nativeErrs := make([]error, natives)
	for k := range natives {
		var script strings.Builder
		for i := range nativeTxs {
			fmt.Fprintf(&script, "begin immediate; update counters set n = n + 1 where id = %d; insert into log(who) values ('native-%d'); commit;\n", (i*7+k)%counters, k)
			if i%40 == 39 {
				script.WriteString("pragma wal_checkpoint(PASSIVE);\n")
			}
		}
		wg.Go(func() {
			cmd := osexec.Command(cli, "-batch", "-bail", "-cmd", ".timeout 10000", path)
			cmd.Stdin = strings.NewReader(script.String())
			if out, err := cmd.CombinedOutput(); err != nil {
				nativeErrs[k] = fmt.Errorf("native %d: %v: %s", k, err, out)
			}
		})
	}
	commits, checkpoints := 0, 0
	for k, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("worker %d: %v\n%s", k, err, outs[k])
		}
		var c, cp, checks int
		if _, err := fmt.Sscanf(lineWith(outs[k].String(), "worker: "), "worker: commits=%d checkpoints=%d checks=%d", &c, &cp, &checks); err != nil {
			t.Fatalf("worker %d printed: %s", k, outs[k])
		}
		t.Logf("worker %d: %d commits, %d checkpoints, %d snapshot checks", k, c, cp, checks)
		commits += c
		checkpoints += cp
	}
	wg.Wait()
	for _, err := range nativeErrs {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := commits + natives*nativeTxs
	var sum, logged, nativeRows int
	var check string
	if err := db.QueryRow("select (select sum(n) from counters), (select count(*) from log), (select count(*) from log where who like 'native-%'), (select integrity_check from pragma_integrity_check)").Scan(&sum, &logged, &nativeRows, &check); err != nil {
		t.Fatal(err)
	}
	if sum != want || logged != want || nativeRows != natives*nativeTxs || check != "ok" {
		t.Fatalf("counters sum to %d, the log has %d rows (%d native), integrity %q; want %d and %d native",
			sum, logged, nativeRows, check, want, natives*nativeTxs)
	}
	if checkpoints == 0 {
		t.Fatal("no checkpoint completed among the writes")
	}
	out, err := osexec.Command(cli, path, "pragma integrity_check; select sum(n) from counters;").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprintf("ok\n%d", want) {
		t.Fatalf("native sqlite3 after the run: %v %s", err, out)
	}
	t.Logf("%d transactions from %d processes of ours and %d native ones, %d completed checkpoints", want, ours, natives, checkpoints)
}

// A process killed in the middle of a write transaction, holding the WAL's
// write lock with frames in the WAL, leaves nothing of it: the next writer,
// here or native, recovers the index and goes on.
func TestKilledWhileHoldingWALLocks(t *testing.T) {
	cli := sqlite3cli.Path(t)
	path, db := newWALDatabase(t)
	if _, err := db.Exec("insert into log(who) values ('before')"); err != nil {
		t.Fatal(err)
	}
	var out childOutput
	cmd := startChild(t, "holder", path, &out)
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "holder: holding"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the holder never held: %s", out.String())
		}
	}
	// While it holds the write lock, writes wait and fail busy.
	conn, _ := db.Conn(context.Background())
	conn.ExecContext(context.Background(), "pragma busy_timeout = 100")
	_, err := conn.ExecContext(context.Background(), "insert into log(who) values ('blocked')")
	conn.ExecContext(context.Background(), "pragma busy_timeout = 5000")
	conn.Close()
	if !errors.Is(err, driver.ErrBusy) {
		t.Fatalf("a write beside the holder: %v, want SQLITE_BUSY", err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := db.Exec("insert into log(who) values ('after')"); err != nil {
		t.Fatalf("the first write after the kill: %v", err)
	}
	var killed, rows int
	if err := db.QueryRow("select (select count(*) from log where who = 'killed'), (select count(*) from log)").Scan(&killed, &rows); err != nil {
		t.Fatal(err)
	}
	if killed != 0 || rows != 2 {
		t.Fatalf("after the kill: %d rows of the killed transaction, %d in all (want 0 and 2)", killed, rows)
	}
	nout, err := osexec.Command(cli, "-cmd", ".timeout 5000", path, "insert into log(who) values ('native'); pragma integrity_check; select count(*) from log;").CombinedOutput()
	if err != nil || strings.TrimSpace(string(nout)) != "ok\n3" {
		t.Fatalf("native sqlite3 after the kill: %v %s", err, nout)
	}
}

func lineWith(s, prefix string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}
