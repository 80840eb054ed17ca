package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/guest"
	"github.com/stablesqlite/stablesqlite/wasm"
)

// childEnv names the module a child of the test profiles and checks
// (Profile changes the process's engine for good, so a profile runs in a
// process of its own).
const childEnv = "STABLESQLITE_TEST_PROFILE"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := checkOrder(wasm.Binary); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// checkOrder profiles module and checks that its functions are in the
// profile's order: those a start calls are the first ones the module
// defines, in the order of their first calls, as many as the module says,
// and the rest of the workload's come right after them.
func checkOrder(module []byte) error {
	start, later, err := profile(module)
	if err != nil {
		return err
	}
	if len(start) == 0 || len(later) == 0 {
		return fmt.Errorf("a profile of %d start functions and %d later", len(start), len(later))
	}
	if k := guest.StartFunctions(module); int(k) != len(start) {
		return fmt.Errorf("the module says a start calls %d functions; its profile calls %d", k, len(start))
	}
	for i, f := range append(slices.Clone(start), later...) {
		if f != start[0]+uint32(i) {
			return fmt.Errorf("the profile's function %d is %d, not %d: the module is not in its profile's order (run sqlite-build/build.sh)", i, f, start[0]+uint32(i))
		}
	}
	return nil
}

// The committed module is laid out in the order of its own profile (see
// checkOrder): that is what build.sh made. A change to the driver that
// changes what the workload calls makes check.sh fail until the module is
// rebuilt, and this test says why.
func TestCommittedModuleIsInItsProfilesOrder(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
