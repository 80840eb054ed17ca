// Command meter writes the metered form of a WebAssembly module (see the
// package github.com/stablesqlite/stablesqlite/sqlite-build/instrument):
//
//	meter IN.wasm OUT.wasm
//
// build.sh runs it on sqlite3.wasm after wasm-opt. It prints the sizes and
// the number of points it metered.
package main

import (
	"fmt"
	"os"

	"github.com/stablesqlite/stablesqlite/sqlite-build/instrument"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: meter IN.wasm OUT.wasm")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	out, st, err := instrument.Instrument(in)
	if err != nil {
		fail(fmt.Errorf("%s: %w", os.Args[1], err))
	}
	if err := os.WriteFile(os.Args[2], out, 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("meter: wrote %s (%d bytes, from %d; code %d bytes, from %d; %d functions, %d checks, %d charges, %d length charges)\n",
		os.Args[2], len(out), len(in), st.CodeAfter, st.CodeBefore, st.Functions, st.Checks, st.Charges, st.LengthCharges)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "meter:", err)
	os.Exit(1)
}
