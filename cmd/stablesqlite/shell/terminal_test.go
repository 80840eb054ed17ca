//go:build unix

package shell

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// terminal drives the shell, built as a program, on a pseudo-terminal.
type terminal struct {
	t    *testing.T
	f    *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	seen int // output before this offset has been matched
}

func (term *terminal) copyOutput() {
	buf := make([]byte, 4096)
	for {
		n, err := term.f.Read(buf)
		term.mu.Lock()
		term.out.Write(buf[:n])
		term.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// expect waits until want appears in the output after what was matched.
func (term *terminal) expect(want string) {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		term.mu.Lock()
		out := term.out.String()
		term.mu.Unlock()
		if i := strings.Index(out[term.seen:], want); i >= 0 {
			term.seen += i + len(want)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	term.mu.Lock()
	defer term.mu.Unlock()
	term.t.Fatalf("no %q in the terminal after:\n%q", want, term.out.String()[term.seen:])
}

func (term *terminal) send(keys string) {
	term.t.Helper()
	if _, err := term.f.Write([]byte(keys)); err != nil {
		term.t.Fatal(err)
	}
}

// buildShell compiles this command for the tests that run it as a program.
func buildShell(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stablesqlite")
	out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestTerminal runs the shell on a pseudo-terminal as a user would: the
// prompt and the continuation prompt, a statement recalled from the
// history with arrow-up, Ctrl-C interrupting a query that would never end
// with the in-memory database still there afterwards, and Ctrl-D leaving;
// the history is kept in its file.
func TestTerminal(t *testing.T) {
	bin := buildShell(t)
	hist := filepath.Join(t.TempDir(), "history")
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "STABLESQLITE_HISTORY="+hist, "TERM=xterm")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	term := &terminal{t: t, f: f}
	go term.copyOutput()

	term.expect("Connected to a transient in-memory database.")
	term.expect("sqlite> ")
	term.send("create table t(x);\r")
	term.expect("sqlite> ")
	term.send("insert into t values (5);\r")
	term.expect("sqlite> ")
	term.send("select 40 +\r")
	term.expect("   ...> ") // inside a statement
	term.send("2 as answer;\r")
	term.expect("│ answer │\r\n") // results in boxes, as sqlite3 3.54 shows them at a prompt
	term.expect("│     42 │\r\n")
	term.expect("sqlite> ")
	term.send("select 6 * 7 as answer;\r")
	term.expect("│     42 │\r\n")
	term.expect("sqlite> ")
	term.send("\x1b[A") // arrow-up: the last line again
	term.expect("select 6 * 7 as answer;")
	term.send("\r")
	term.expect("│     42 │\r\n")
	term.expect("sqlite> ")

	term.send("with recursive c(i) as (select 1 union all select i + 1 from c) select count(*) from c;\r")
	time.Sleep(300 * time.Millisecond) // let it run
	term.send("\x03")                  // Ctrl-C
	term.expect("interrupted")
	term.expect("sqlite> ")
	term.send("select x from t;\r") // the database is still open, with its table
	term.expect("│ 5 │\r\n")
	term.expect("sqlite> ")

	term.send("\x04") // Ctrl-D
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("the shell exited with %v", err)
		} else if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("Ctrl-D did not end the shell")
	}
	data, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "select 6 * 7 as answer;\n") {
		t.Fatalf("history file holds %q", data)
	}
}
