package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/guest"
	"github.com/stablesqlite/stablesqlite/wasm"
)

// childEnv names the module a child of the test profiles (Profile changes
// the process's engine for good, so each profile runs in a process of its
// own).
const childEnv = "STABLESQLITE_TEST_PROFILE"

func TestMain(m *testing.M) {
	if module := os.Getenv(childEnv); module != "" {
		if err := run(module, module+".profile"); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// profileOf profiles the module in a child process and returns its lists.
func profileOf(t *testing.T, module []byte) (start, later []uint32) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(path, module, 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("profile: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path + ".profile")
	if err != nil {
		t.Fatal(err)
	}
	var list *[]uint32
	for line := range strings.Lines(string(b)) {
		switch line = strings.TrimSpace(line); {
		case strings.HasPrefix(line, "#"):
		case line == "start":
			list = &start
		case line == "later":
			list = &later
		default:
			f, err := strconv.ParseUint(line, 10, 32)
			if err != nil || list == nil {
				t.Fatalf("profile line %q", line)
			}
			*list = append(*list, uint32(f))
		}
	}
	return start, later
}

// The committed module is laid out in the order of its own profile: the
// functions a start calls are the first ones the module defines, in the
// order of their first calls, as many as the module says, and the rest of
// the workload's come right after them. That is what build.sh made; a
// change to the driver that changes what a start calls makes check.sh
// fail until the module is rebuilt, and this test says why.
func TestCommittedModuleIsInItsProfilesOrder(t *testing.T) {
	start, later := profileOf(t, wasm.Binary)
	if len(start) == 0 || len(later) == 0 {
		t.Fatalf("a profile of %d start functions and %d later", len(start), len(later))
	}
	if k := guest.StartFunctions(wasm.Binary); int(k) != len(start) {
		t.Errorf("the module says a start calls %d functions; its profile calls %d", k, len(start))
	}
	first := start[0]
	all := append(slices.Clone(start), later...)
	for i, f := range all {
		if f != first+uint32(i) {
			t.Fatalf("the profile's function %d is %d, not %d: the module is not in its profile's order (run sqlite-build/build.sh)", i, f, first+uint32(i))
		}
	}
}
