// Command reorder puts a WebAssembly module's functions in the order of a
// profile (see instrument.Reorder):
//
//	reorder IN.wasm PROFILE OUT.wasm
//
// PROFILE is what the driver's ./internal/guest/profile writes: a line
// "start", the indices of the functions a start calls, one a line, in the
// order of their first calls, then a line "later" and the indices of the
// functions the rest of the workload calls; lines starting with # are
// comments. build.sh runs it on sqlite3.wasm after wasm-opt.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/stablesqlite/stablesqlite/sqlite-build/instrument"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: reorder IN.wasm PROFILE OUT.wasm")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	profile, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail(err)
	}
	start, later, err := parseProfile(profile)
	if err != nil {
		fail(fmt.Errorf("%s: %w", os.Args[2], err))
	}
	out, err := instrument.Reorder(in, start, later)
	if err != nil {
		fail(fmt.Errorf("%s: %w", os.Args[1], err))
	}
	if err := os.WriteFile(os.Args[3], out, 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("reorder: wrote %s (%d functions a start calls first, then %d more the profile calls)\n",
		os.Args[3], len(start), len(later))
}

// parseProfile reads the two lists of a profile.
func parseProfile(b []byte) (start, later []uint32, err error) {
	var list *[]uint32
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case line == "start":
			list = &start
		case line == "later":
			list = &later
		default:
			f, err := strconv.ParseUint(line, 10, 32)
			if err != nil || list == nil {
				return nil, nil, fmt.Errorf("line %d: %q is not a function index under \"start\" or \"later\"", n, line)
			}
			*list = append(*list, uint32(f))
		}
	}
	if len(start) == 0 {
		return nil, nil, fmt.Errorf("no function under \"start\"")
	}
	return start, later, sc.Err()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reorder:", err)
	os.Exit(1)
}
