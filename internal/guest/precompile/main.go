// Command precompile writes the compiled code shipped for this platform
// (wasm.Compiled) of a module: sqlite-build/build.sh runs it as
//
//	go run ./internal/guest/precompile MODULE.wasm OUTPUT.gz
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/stablesqlite/stablesqlite/internal/guest"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: precompile MODULE.wasm OUTPUT.gz")
		os.Exit(2)
	}
	module, err := os.ReadFile(os.Args[1])
	if err == nil {
		var out bytes.Buffer
		if err = guest.WriteShipped(module, &out); err == nil {
			err = os.WriteFile(os.Args[2], out.Bytes(), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "precompile:", err)
		os.Exit(1)
	}
}
