package file_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
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
	"github.com/stablesqlite/stablesqlite/internal/crashfs"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) (backend.Backend, func(string) string) {
		dir := t.TempDir()
		return file.New(), func(base string) string { return filepath.Join(dir, base) }
	})
}

// TestSameBytes checks that the file on disk is what was written, byte for
// byte, as another SQLite would read it, as soon as it was written.
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
	// The bytes are in the file once WriteAt returns, before any sync: a
	// process that dies now loses nothing it wrote.
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
// helperEnv set to a path, it opens that file with its own Backend, then
// runs the commands it reads on stdin, one a line, and answers each with a
// line "child: RESULT" on stdout.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestCrossProcessLocks")
	}
	v, _, err := file.New().Open(path, backend.OpenReadWrite|backend.OpenMainDB)
	if err != nil {
		fmt.Printf("child: open %v\n", err)
		os.Exit(1)
	}
	levels := map[string]backend.LockLevel{"none": backend.LockNone, "shared": backend.LockShared,
		"reserved": backend.LockReserved, "exclusive": backend.LockExclusive}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var err error
		switch cmd, arg, _ := strings.Cut(in.Text(), " "); cmd {
		case "lock":
			err = v.Lock(levels[arg])
		case "unlock":
			err = v.Unlock(levels[arg])
		case "check":
			var held bool
			held, err = v.CheckReserved()
			if err == nil {
				fmt.Printf("child: %v\n", held)
				continue
			}
		case "close":
			err = v.Close()
		default:
			err = fmt.Errorf("unknown command %q", in.Text())
		}
		switch {
		case err == nil:
			fmt.Println("child: ok")
		case errors.Is(err, backend.ErrBusy):
			fmt.Println("child: busy")
		default:
			fmt.Printf("child: error %v\n", err)
		}
	}
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

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	// GORACE: a race-enabled child would otherwise sleep a second at exit.
	cmd.Env = append(os.Environ(), helperEnv+"="+path,
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
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v\nstderr:\n%s", err, stderr.String())
		}
	}()
	out := bufio.NewScanner(stdout)
	// child sends the child a command and checks its answer.
	child := func(command, want string) {
		t.Helper()
		if _, err := io.WriteString(stdin, command+"\n"); err != nil {
			t.Fatalf("child %s: %v", command, err)
		}
		for out.Scan() {
			if got, ok := strings.CutPrefix(out.Text(), "child: "); ok {
				if got != want {
					t.Fatalf("child %s: %s; want %s\nstderr:\n%s", command, got, want, stderr.String())
				}
				return
			}
		}
		t.Fatalf("child ended before answering %s\nstderr:\n%s", command, stderr.String())
	}
	lock := func(level backend.LockLevel, want error) {
		t.Helper()
		if err := v.Lock(level); !errors.Is(err, want) {
			t.Fatalf("Lock(%d) = %v; want %v", level, err, want)
		}
	}
	unlock := func(level backend.LockLevel) {
		t.Helper()
		if err := v.Unlock(level); err != nil {
			t.Fatalf("Unlock(%d): %v", level, err)
		}
	}
	checkReserved := func(want bool) {
		t.Helper()
		if held, err := v.CheckReserved(); held != want || err != nil {
			t.Fatalf("CheckReserved() = %v, %v; want %v", held, err, want)
		}
	}

	// The parent holds RESERVED: the child may read but not reserve.
	lock(backend.LockShared, nil)
	lock(backend.LockReserved, nil)
	child("lock shared", "ok")
	child("check", "true")
	child("lock reserved", "busy")
	unlock(backend.LockNone)
	child("check", "false")
	child("lock reserved", "ok")
	child("lock exclusive", "ok")

	// The child holds EXCLUSIVE: the parent may not even read.
	checkReserved(true)
	lock(backend.LockShared, backend.ErrBusy)

	// Down to SHARED, the child keeps its OS read lock: the parent may read
	// and reserve, but not write.
	child("unlock shared", "ok")
	checkReserved(false)
	lock(backend.LockShared, nil)
	lock(backend.LockReserved, nil)
	lock(backend.LockExclusive, backend.ErrBusy)
	child("lock shared", "ok") // it holds SHARED already
	child("lock reserved", "busy")
	child("unlock none", "ok")
	lock(backend.LockExclusive, nil)
	child("lock shared", "busy")
	unlock(backend.LockShared)
	child("lock shared", "ok")

	// Closing the child's handle releases its locks.
	unlock(backend.LockNone)
	child("lock reserved", "ok")
	lock(backend.LockShared, nil)
	lock(backend.LockReserved, backend.ErrBusy)
	child("close", "ok")
	lock(backend.LockReserved, nil)
	lock(backend.LockExclusive, nil)
}

// A WAL's writes are gathered, but all of them are in the file when the
// write of a commit frame's page returns, and the first read hands on what
// is gathered before it.
func TestWALWritesReachTheFileAtCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db-wal")
	v, _, err := file.New().Open(path, backend.OpenReadWrite|backend.OpenCreate|backend.OpenWAL)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	frame := func(commit uint32) []byte {
		h := make([]byte, 24)
		binary.BigEndian.PutUint32(h[0:], 1)
		binary.BigEndian.PutUint32(h[4:], commit)
		return h
	}
	page := bytes.Repeat([]byte{7}, 4096)
	at := int64(32)
	for _, commit := range []uint32{0, 0, 3} {
		v.WriteAt(frame(commit), at)
		v.WriteAt(page, at+24)
		at += 24 + 4096
	}
	got, err := os.ReadFile(path)
	if err != nil || int64(len(got)) != at {
		t.Fatalf("after the commit frame the file has %d bytes, want %d (%v)", len(got), at, err)
	}
	v.WriteAt(frame(0), at)
	buf := make([]byte, 24)
	if n, err := v.ReadAt(buf, at); n != 24 || err != nil || !bytes.Equal(buf, frame(0)) {
		t.Fatalf("a read after a gathered write: %d %v", n, err)
	}
}

// The backend over another file system (here crashfs's, in memory) passes
// the same kit: the seam the crash tests use is the whole of what the
// backend needs.
func TestConformanceOverFS(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) (backend.Backend, func(string) string) {
		return file.NewFS(crashfs.New()), func(base string) string { return "/db/" + base }
	})
}

// As os_unix.c does, the first Sync of a journal the backend created syncs
// its directory: the journal's name then survives a power cut with its
// content, and a transaction cut short can still be rolled back.
func TestJournalNameSurvivesPowerCut(t *testing.T) {
	fsys := crashfs.New()
	b := file.NewFS(fsys)
	j, _, err := b.Open("/db/x.db-journal", backend.OpenReadWrite|backend.OpenCreate|backend.OpenMainJournal)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.WriteAt([]byte("journal"), 0); err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(backend.SyncFull); err != nil {
		t.Fatal(err)
	}
	if _, err := fsys.Crash(crashfs.DropUnsynced, nil).Stat("/db/x.db-journal"); err != nil {
		t.Fatalf("after a power cut, the synced journal: %v", err)
	}
}
