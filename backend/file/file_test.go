package file_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/backendtest"
	"github.com/stablesqlite/stablesqlite/backend/file"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) (backend.Backend, func(string) string) {
		dir := t.TempDir()
		return file.New(), func(base string) string { return filepath.Join(dir, base) }
	})
}

// TestSameBytes checks that the file on disk is what was written, byte for
// byte, as another SQLite would read it.
func TestSameBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	v, _, err := file.New().Open(path, backend.OpenReadWrite|backend.OpenCreate|backend.OpenMainDB)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.WriteAt([]byte("on disk"), 3); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "\x00\x00\x00on disk" {
		t.Fatalf("file holds %q", got)
	}
}

const helperEnv = "STABLESQLITE_FILE_LOCK_HELPER"

// TestHelperProcess is the other process of TestCrossProcessLocks: with
// helperEnv set to a path, it opens that file with its own Backend and
// follows the script below, printing one "child: ..." line per step and
// waiting for a line on stdin where the parent has to act.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestCrossProcessLocks")
	}
	in := bufio.NewScanner(os.Stdin)
	say := func(format string, args ...any) { fmt.Printf("child: "+format+"\n", args...) }
	result := func(err error) string {
		switch {
		case err == nil:
			return "ok"
		case errors.Is(err, backend.ErrBusy):
			return "busy"
		default:
			return "error " + err.Error()
		}
	}
	v, _, err := file.New().Open(path, backend.OpenReadWrite|backend.OpenMainDB)
	if err != nil {
		say("open %v", err)
		os.Exit(1)
	}
	// The parent holds RESERVED.
	say("shared %s", result(v.Lock(backend.LockShared)))
	held, err := v.CheckReserved()
	say("checkreserved %v %v", held, err)
	say("reserved %s", result(v.Lock(backend.LockReserved)))
	in.Scan() // the parent unlocked
	held, err = v.CheckReserved()
	say("checkreserved %v %v", held, err)
	say("reserved %s", result(v.Lock(backend.LockReserved)))
	say("exclusive %s", result(v.Lock(backend.LockExclusive)))
	in.Scan() // the parent tried to read
	say("unlock %s", result(v.Unlock(backend.LockNone)))
	in.Scan()
	say("close %s", result(v.Close()))
	os.Exit(0)
}

// TestCrossProcessLocks checks that the locks of one process's Backend are
// POSIX locks another process sees, in both directions. POSIX locks do not
// conflict within a process, so the other side is a child process: this
// test binary run again as TestHelperProcess.
func TestCrossProcessLocks(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no POSIX locks")
	}
	path := filepath.Join(t.TempDir(), "x.db")
	v, _, err := file.New().Open(path, backend.OpenReadWrite|backend.OpenCreate|backend.OpenMainDB)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.WriteAt(make([]byte, 4096), 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Lock(backend.LockShared); err != nil {
		t.Fatal(err)
	}
	if err := v.Lock(backend.LockReserved); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
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
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v\nstderr:\n%s", err, stderr.String())
		}
	}()
	out := bufio.NewScanner(stdout)
	expect := func(want string) {
		t.Helper()
		for out.Scan() {
			if line, ok := strings.CutPrefix(out.Text(), "child: "); ok {
				if line != want {
					t.Fatalf("child said %q; want %q\nstderr:\n%s", line, want, stderr.String())
				}
				return
			}
		}
		t.Fatalf("child ended before saying %q\nstderr:\n%s", want, stderr.String())
	}
	tell := func() {
		t.Helper()
		if _, err := io.WriteString(stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}

	// The parent holds RESERVED: the child may read but not reserve.
	expect("shared ok")
	expect("checkreserved true <nil>")
	expect("reserved busy")
	if err := v.Unlock(backend.LockNone); err != nil {
		t.Fatal(err)
	}
	tell()
	expect("checkreserved false <nil>")
	expect("reserved ok")
	expect("exclusive ok")

	// The child holds EXCLUSIVE: the parent may not even read.
	if held, err := v.CheckReserved(); !held || err != nil {
		t.Errorf("CheckReserved while the child holds EXCLUSIVE = %v, %v; want true", held, err)
	}
	if err := v.Lock(backend.LockShared); !errors.Is(err, backend.ErrBusy) {
		t.Errorf("Lock(SHARED) while the child holds EXCLUSIVE = %v; want ErrBusy", err)
	}
	tell()
	expect("unlock ok")
	if err := v.Lock(backend.LockShared); err != nil {
		t.Errorf("Lock(SHARED) after the child unlocked: %v", err)
	}
	if err := v.Lock(backend.LockReserved); err != nil {
		t.Errorf("Lock(RESERVED) after the child unlocked: %v", err)
	}
	tell()
	expect("close ok")
}
