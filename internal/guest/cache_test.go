package guest

import (
	"bytes"
	"context"
	"fmt"
	"github.com/stablesqlite/stablesqlite/wasm"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend/heap"
)

// waitWarm waits until dir holds the published entry of the module.
func waitWarm(t *testing.T, dir string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cacheIsWarm(dir, plainBinary); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the compiled module was never published in the cache")
		}
	}
}

// markedEntry returns the path of the entry dir's marker names.
func markedEntry(t *testing.T, dir string) string {
	t.Helper()
	marker, err := os.ReadFile(warmMarker(dir, plainBinary))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(entriesDir(dir), strings.TrimSpace(string(marker)))
}

// publishedCold compiles the module cold into dir and waits until it is
// published; it returns the path of the entry under the stub's key.
func publishedCold(t *testing.T, dir string) string {
	t.Helper()
	kept := make(chan struct{})
	m, err := compileCold(dir, plainBinary, kept)
	if err != nil {
		t.Fatal(err)
	}
	m.runtime.Close(t.Context())
	<-kept
	return markedEntry(t, dir)
}

// engineOn returns an engine whose compiled code is m.
func engineOn(m *module) *engine {
	e := newEngine(plainBinary)
	e.startOnce.Do(func() {})
	e.compiled = m
	close(e.done)
	return e
}

// sqliteWorks runs some SQL on a new instance of e.
func sqliteWorks(t *testing.T, e *engine) {
	t.Helper()
	inst, err := e.newInstance(Config{Backend: heap.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	defer inst.Watch(context.Background())()
	db := open(t, inst, "/w")
	execOK(t, inst, db, "create table t(x); insert into t values (40), (2)")
	if n := queryInt(t, inst, db, "select sum(x) from t"); n != 42 {
		t.Fatalf("sum %d", n)
	}
}

// A cold start compiles and publishes; a warm start then loads the code
// under the stub's key and runs SQLite. When the entry under the stub's key
// is not the whole module's code (corrupt, or the stub's own), the warm
// start notices at its check instantiation and gives way to a cold start,
// which publishes again.
func TestColdThenWarmStart(t *testing.T) {
	dir := t.TempDir()
	if cacheIsWarm(dir, plainBinary) {
		t.Fatal("an empty directory is warm")
	}
	m, err := compileCold(dir, plainBinary, make(chan struct{}))
	if err != nil {
		t.Fatal(err)
	}
	sqliteWorks(t, engineOn(m))
	waitWarm(t, dir)
	m2, ok := warmStart(dir, plainBinary)
	if !ok {
		t.Fatal("no warm start from a published cache")
	}
	sqliteWorks(t, engineOn(m2))

	// The stub's entry replaced by garbage: wazero misses, compiles the
	// stub itself, and the check catches it.
	if err := os.WriteFile(markedEntry(t, dir), []byte("not compiled code"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := warmStart(dir, plainBinary); ok {
		t.Fatal("a warm start from a corrupt entry")
	}
	if _, err := os.Stat(warmMarker(dir, plainBinary)); !os.IsNotExist(err) {
		t.Fatal("the marker of a failed warm start was kept")
	}
	if _, err := compileCold(dir, plainBinary, make(chan struct{})); err != nil {
		t.Fatal(err)
	}
	waitWarm(t, dir)
	if m3, ok := warmStart(dir, plainBinary); !ok {
		t.Fatal("no warm start after publishing again")
	} else {
		sqliteWorks(t, engineOn(m3))
	}
}

const (
	childEnv     = "STABLESQLITE_WASM_TEST_CHILD"
	noShippedEnv = "STABLESQLITE_WASM_TEST_NO_SHIPPED" // the child acts as where no code is shipped
)

// TestChild, in a child process of TestCacheAcrossProcesses, runs SQL and
// prints how its compiled code was had.
func TestChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("runs as a child process")
	}
	if os.Getenv(noShippedEnv) != "" {
		plainBinary.shipped = nil
	}
	start := time.Now()
	sqliteWorks(t, defaultEngine)
	if err := Keep(context.Background()); err != nil {
		t.Fatal(err)
	}
	maps, _ := os.ReadFile("/proc/self/maps")
	fmt.Printf("child: from=%s ms=%.1f mapped=%v\n", defaultEngine.from, time.Since(start).Seconds()*1000,
		strings.Contains(string(maps), codeFileSuffix+"\n"))
}

func runChildren(t *testing.T, dir string, n int, env ...string) []string {
	t.Helper()
	outs := make([]string, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v")
			cmd.Env = append(os.Environ(), childEnv+"=1", wasm.CacheDirEnv+"="+dir, wasm.EngineEnv+"=auto")
			cmd.Env = append(cmd.Env, env...)
			out, err := cmd.CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("child: ")) {
				t.Errorf("child %d: %v\n%s", k, err, out)
			}
			for _, line := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(line, "child: ") {
					outs[k] = line
				}
			}
		}()
	}
	wg.Wait()
	return outs
}

// Processes that start together on an empty cache directory all work
// (each compiles, or each installs the shipped code, and they publish over
// each other), and every later process starts warm, mapping the code file
// where warm starts do.
func TestCacheAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles in child processes")
	}
	waves := []struct {
		what, from string
		env        []string
	}{{"compiling", "compiler", []string{noShippedEnv + "=1"}}}
	if len(plainBinary.shipped) > 0 {
		waves = append(waves, struct {
			what, from string
			env        []string
		}{"from the shipped code", "shipped", nil})
	}
	for _, w := range waves {
		t.Run(w.what, func(t *testing.T) {
			dir := t.TempDir()
			for k, out := range runChildren(t, dir, 3, w.env...) {
				t.Logf("first wave %d: %s", k, out)
				if !strings.Contains(out, "from="+w.from) {
					t.Errorf("process %d on an empty cache: %s", k, out)
				}
			}
			waitWarm(t, dir)
			for k, out := range runChildren(t, dir, 2, w.env...) {
				t.Logf("second wave %d: %s", k, out)
				if !strings.Contains(out, "from=cache") {
					t.Errorf("process %d after the cache was filled did not start warm: %s", k, out)
				}
				if mapsCode && !strings.Contains(out, "mapped=true") {
					t.Errorf("process %d started warm without mapping the code file: %s", k, out)
				}
			}
		})
	}
}

// A cache directory that cannot be written (a read-only file system with a
// cache filled at build time) is read: processes start warm, mapping the
// code file where warm starts do, and write nothing. Empty and read-only, it costs a compile in memory, or an install of the
// shipped code in a directory of the process's own, not an error.
func TestReadOnlyCache(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles in child processes")
	}
	filled, empty := t.TempDir(), t.TempDir()
	kept := make(chan struct{})
	if _, err := compileCold(filled, plainBinary, kept); err != nil {
		t.Fatal(err)
	}
	<-kept
	waitWarm(t, filled)
	before := listing(t, filled)
	for _, dir := range []string{filled, empty} {
		readOnly(t, dir)
		if writable(dir) {
			t.Skip("cannot make a directory read-only here")
		}
	}
	if out := runChildren(t, filled, 1)[0]; !strings.Contains(out, "from=cache") || mapsCode && !strings.Contains(out, "mapped=true") {
		t.Errorf("read-only filled cache: %s", out)
	}
	if out := runChildren(t, empty, 1, noShippedEnv+"=1")[0]; !strings.Contains(out, "from=compiler") {
		t.Errorf("read-only empty cache: %s", out)
	}
	if len(plainBinary.shipped) > 0 {
		if out := runChildren(t, empty, 1)[0]; !strings.Contains(out, "from=shipped") {
			t.Errorf("read-only empty cache, with shipped code: %s", out)
		}
	}
	if after := listing(t, filled); after != before {
		t.Errorf("a read-only cache changed:\n%s\nbecame\n%s", before, after)
	}
}

func listing(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil {
			fmt.Fprintf(&b, "%s %d\n", strings.TrimPrefix(path, dir), info.Size())
		}
		return nil
	})
	return b.String()
}

// The warm start's check instance is the first connection's, if it has
// the default memory limit; the next one makes its own instance. A first
// connection with a limit of its own makes its own, and the check
// instance is closed.
func TestWarmStartHandsOnItsCheckInstance(t *testing.T) {
	dir := t.TempDir()
	kept := make(chan struct{})
	cold, err := compileCold(dir, plainBinary, kept)
	if err != nil {
		t.Fatal(err)
	}
	if cold.spare.Load() != nil {
		t.Fatal("a cold start made a spare instance")
	}
	cold.runtime.Close(t.Context())
	<-kept
	m, ok := warmStart(dir, plainBinary)
	if !ok {
		t.Fatal("no warm start")
	}
	defer m.runtime.Close(t.Context())
	spare := m.spare.Load()
	if spare == nil {
		t.Fatal("the warm start kept no instance")
	}
	e := engineOn(m)
	first, err := e.newInstance(Config{Backend: heap.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := e.newInstance(Config{Backend: heap.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if first.mod != spare.mod || second.mod == spare.mod || m.spare.Load() != nil {
		t.Fatal("the first connection did not take the spare instance, or the second took it too")
	}

	m2, ok := warmStart(dir, plainBinary)
	if !ok {
		t.Fatal("no second warm start")
	}
	defer m2.runtime.Close(t.Context())
	spare2 := m2.spare.Load()
	limited, err := engineOn(m2).newInstance(Config{Backend: heap.New(), MemoryLimit: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer limited.Close()
	if limited.mod == spare2.mod || m2.spare.Load() != nil || !spare2.mod.IsClosed() {
		t.Fatal("a first connection with a memory limit of its own took the spare instance, or left it open")
	}
	for _, inst := range []*Instance{first, second, limited} {
		defer inst.Watch(t.Context())()
		db := open(t, inst, "/w")
		execOK(t, inst, db, "create table t(x); insert into t values (42)")
		if n := queryInt(t, inst, db, "select x from t"); n != 42 {
			t.Fatalf("read %d", n)
		}
	}
}
