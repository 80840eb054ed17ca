package etcd

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/driver"
)

// Child processes: the test binary run again with childEnv set is an
// "application process" on the database named by childDSN. It reads
// commands on stdin, one per line, runs each on one connection and answers
// one line: "ok RESULT" or "err CODE MESSAGE" (CODE is SQLite's primary
// result code, 0 for an error from elsewhere).
//
//	exec SQL          RESULT: rows affected
//	query SQL         RESULT: the first row's columns, joined by |
//	hang-after-stage  the next commit stages one etcd transaction and hangs
//	stats             RESULT: the backend's counters
const (
	childEnv = "STABLESQLITE_ETCD_CHILD"
	childDSN = "STABLESQLITE_ETCD_DSN"
)

func runChild(role string) int {
	db, err := sql.Open("stablesqlite", os.Getenv(childDSN))
	if err != nil {
		fmt.Println("err 0", oneLine(err))
		return 1
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		fmt.Println("err 0", oneLine(err))
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	fmt.Fprintln(out, "ok ready", role)
	out.Flush()
	ctx := context.Background()
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "exec":
			r, err := conn.ExecContext(ctx, arg)
			if err != nil {
				fmt.Fprintln(out, "err", code(err), oneLine(err))
				break
			}
			n, _ := r.RowsAffected()
			fmt.Fprintln(out, "ok", n)
		case "query":
			row, err := queryRow(ctx, conn, arg)
			if err != nil {
				fmt.Fprintln(out, "err", code(err), oneLine(err))
				break
			}
			fmt.Fprintln(out, "ok", row)
		case "hang-after-stage":
			testHookStaged = func(string, int) {
				fmt.Fprintln(out, "ok staged")
				out.Flush()
				select {}
			}
			fmt.Fprintln(out, "ok")
		case "stats":
			var st Stats
			if b, err := driver.BackendOf(conn); err == nil {
				if eb, ok := b.(*Backend); ok {
					st = eb.Stats()
				}
			}
			fmt.Fprintf(out, "ok %+v\n", st)
		default:
			fmt.Fprintln(out, "err 0 unknown command", cmd)
		}
		out.Flush()
	}
	return 0
}

func queryRow(ctx context.Context, conn *sql.Conn, q string) (string, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return "", err
		}
		return "", errors.New("no rows")
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return "", err
	}
	var s []string
	for _, v := range vals {
		switch v := v.(type) {
		case []byte:
			s = append(s, string(v))
		default:
			s = append(s, fmt.Sprint(v))
		}
	}
	return strings.Join(s, "|"), rows.Close()
}

func code(err error) int {
	var se *driver.Error
	if errors.As(err, &se) {
		return int(se.Code)
	}
	return 0
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

// child is a running child process, seen from the test.
type child struct {
	t     testing.TB
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
	name  string
}

// startChild starts an application process on the database dsn names.
func startChild(t testing.TB, name, dsn string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+name, childDSN+"="+dsn, "GORACE=atexit_sleep_ms=0")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, in: in, lines: make(chan string, 16), name: name}
	go func() {
		s := bufio.NewScanner(out)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			c.lines <- s.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		cmd.Wait()
	})
	if got := c.read(60 * time.Second); !strings.HasPrefix(got, "ok ready") {
		t.Fatalf("child %s did not start: %q", name, got)
	}
	return c
}

// read returns the child's next line ("" if it exited or timed out).
func (c *child) read(timeout time.Duration) string {
	select {
	case l, ok := <-c.lines:
		if !ok {
			return ""
		}
		return l
	case <-time.After(timeout):
		return ""
	}
}

// send sends a command without waiting for its answer.
func (c *child) send(cmd string) {
	c.t.Helper()
	if _, err := fmt.Fprintln(c.in, cmd); err != nil {
		c.t.Fatalf("child %s: %v", c.name, err)
	}
}

// do sends a command and returns its answer: the result, or an error with
// SQLite's code.
func (c *child) do(cmd string) (string, int, error) {
	c.t.Helper()
	c.send(cmd)
	return parseAnswer(c.read(60 * time.Second))
}

func parseAnswer(l string) (string, int, error) {
	if res, ok := strings.CutPrefix(l, "ok"); ok {
		return strings.TrimSpace(res), 0, nil
	}
	if rest, ok := strings.CutPrefix(l, "err "); ok {
		c, msg, _ := strings.Cut(rest, " ")
		n, _ := strconv.Atoi(c)
		return "", n, errors.New(msg)
	}
	return "", 0, fmt.Errorf("no answer (%q)", l)
}

// must runs a command that must succeed.
func (c *child) must(cmd string) string {
	c.t.Helper()
	res, _, err := c.do(cmd)
	if err != nil {
		c.t.Fatalf("child %s: %s: %v", c.name, cmd, err)
	}
	return res
}

func (c *child) signal(sig syscall.Signal) {
	c.t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		c.t.Fatalf("signal %v to child %s: %v", sig, c.name, err)
	}
}

// kill SIGKILLs the child and waits for it.
func (c *child) kill() {
	c.signal(syscall.SIGKILL)
	c.cmd.Wait()
}
