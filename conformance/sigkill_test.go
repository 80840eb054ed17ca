package conformance

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
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
)

const killChildEnv = "STABLESQLITE_KILL_CHILD"

// killWorkload is the workload of the SIGKILL suite, the same in the
// parent and in every child.
var killWorkload = sync.OnceValue(func() *workload { return newWorkload(200, 2) })

// TestKillChild is the child process of TestKill: it runs the workload on
// the DSN in killChildEnv, printing "acked N" when the COMMIT of
// transaction N has returned, then waits for a byte on stdin before going
// on (the parent kills it there, or lets it go on and kills it later).
func TestKillChild(t *testing.T) {
	dsn := os.Getenv(killChildEnv)
	if dsn == "" {
		t.Skip("child process of TestKill")
	}
	fail := func(err error) {
		fmt.Printf("error %v\n", err)
		os.Exit(2)
	}
	ctx := context.Background()
	w := killWorkload()
	db, err := sql.Open("stablesqlite", dsn)
	if err != nil {
		fail(err)
	}
	db.SetMaxOpenConns(1)
	if err := w.setup(ctx, db); err != nil {
		fail(err)
	}
	in := bufio.NewReader(os.Stdin)
	for i := 1; i <= w.n(); i++ {
		if err := w.run(ctx, db, i); err != nil {
			fail(fmt.Errorf("transaction %d: %w", i, err))
		}
		fmt.Printf("acked %d\n", i) // os.Stdout is not buffered
		if _, err := in.ReadByte(); err != nil {
			os.Exit(0)
		}
	}
	fmt.Println("done")
	os.Exit(0)
}

// killMode is one journal × synchronous × locking combination.
type killMode struct{ journal, sync, locking string }

func (m killMode) String() string { return m.journal + " " + m.sync + " " + m.locking }

func (m killMode) params() string {
	return fmt.Sprintf("_journal_mode=%s&_sync=%s&_locking_mode=%s&_pragma=cache_size(16)", m.journal, m.sync, m.locking)
}

func killModes() []killMode {
	var out []killMode
	for _, j := range []string{"DELETE", "TRUNCATE", "PERSIST", "WAL"} {
		for _, s := range []string{"OFF", "NORMAL", "FULL"} {
			for _, l := range []string{"NORMAL", "EXCLUSIVE"} {
				out = append(out, killMode{j, s, l})
			}
		}
	}
	return out
}

// killOnce starts a child on dsn and SIGKILLs it at a random moment:
// right after the COMMIT of a random transaction returned (paused), or
// while it runs the next one. It returns the transactions acknowledged.
func killOnce(t *testing.T, dsn string, rng *rand.Rand, paused bool) int {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := osexec.CommandContext(ctx, os.Args[0], "-test.run=^TestKillChild$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dsn,
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	at := 1 + rng.IntN(killWorkload().n()-1)
	acked := 0
	out := bufio.NewScanner(stdout)
	for out.Scan() {
		line := out.Text()
		n, ok := strings.CutPrefix(line, "acked ")
		if !ok {
			if strings.HasPrefix(line, "error") || line == "done" {
				break
			}
			continue
		}
		acked, _ = strconv.Atoi(n)
		if acked < at {
			io.WriteString(stdin, "g")
			continue
		}
		if !paused {
			io.WriteString(stdin, "g")
			time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		break
	}
	go io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the child was not killed (%v) after %d acknowledged commits: %s", err, acked, stderr.String())
	}
	return acked
}

// nativeState checks with the native sqlite3 the database a killed child
// left: integrity_check, then which workload state it holds.
func nativeState(t *testing.T, cli, path string) (int, error) {
	w := killWorkload()
	cmd := osexec.Command(cli, "-batch", "-noheader", "-list", path,
		"pragma integrity_check", "select 'n', n from meta", "select id, hex(v) from t")
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	if err != nil {
		return 0, fmt.Errorf("sqlite3: %v: %.300s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || lines[0] != "ok" {
		return 0, fmt.Errorf("integrity_check: %.300s", out)
	}
	j, err := strconv.Atoi(strings.TrimPrefix(lines[1], "n|"))
	if err != nil || j < 0 || j > w.n() {
		return 0, fmt.Errorf("meta: %q", lines[1])
	}
	var got [2]uint64
	for _, l := range lines[2:] {
		idText, hexText, _ := strings.Cut(l, "|")
		id, err1 := strconv.ParseInt(idText, 10, 64)
		v, err2 := hex.DecodeString(hexText)
		if err1 != nil || err2 != nil {
			return j, fmt.Errorf("row %.60q", l)
		}
		h := rowHash(id, v)
		got[0], got[1] = got[0]+h[0], got[1]+h[1]
	}
	if got != w.states[j] {
		return j, fmt.Errorf("the rows are not the state after transaction %d, which meta names", j)
	}
	return j, nil
}

// TestKill SIGKILLs child processes right after a COMMIT returned, or
// while the next transaction runs, in every journal × synchronous ×
// locking combination, on files (checked afterwards with the native
// sqlite3) and stable images (reopened here): SQLite promises that a
// committed transaction survives the application's crash in every one of
// them. One kill per combination (STABLESQLITE_LONG=1: ten).
func TestKill(t *testing.T) {
	cli := sqlite3cli.Path(t)
	kills := 1
	if long() {
		kills = 10
	}
	for _, on := range []string{"file", "image"} {
		for mi, m := range killModes() {
			name := on + "_" + strings.ReplaceAll(m.String(), " ", "_")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(uint64(mi), uint64(len(on))))
				var lost, corrupt int
				for k := range kills {
					dir := t.TempDir()
					var dsn string
					if on == "file" {
						dsn = "file:" + filepath.Join(dir, "k.db") + "?" + m.params()
					} else {
						dsn = "file:main.db?vfs=stable&image=" + filepath.Join(dir, "k.img") + "&" + m.params()
					}
					paused := (k+mi)%2 == 0
					acked := killOnce(t, dsn, rng, paused)
					var j int
					var err error
					if on == "file" {
						j, err = nativeState(t, cli, filepath.Join(dir, "k.db"))
					} else {
						j, err = imageState(dsn)
					}
					switch {
					case err != nil:
						corrupt++
						t.Errorf("killed after %d acknowledged (paused %v): %v", acked, paused, err)
					case j < acked || j > acked+1:
						lost++
						t.Errorf("killed after %d acknowledged (paused %v): the database holds %d", acked, paused, j)
					}
				}
				t.Logf("SIGKILL, %s %s: %d kills, %d lost, %d corrupt", on, m, kills, lost, corrupt)
			})
		}
	}
}

// imageState reopens a stable image a killed child left.
func imageState(dsn string) (int, error) {
	db, err := sql.Open("stablesqlite", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return killWorkload().state(context.Background(), db)
}
