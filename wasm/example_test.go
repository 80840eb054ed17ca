package wasm_test

import (
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"

	_ "github.com/stablesqlite/stablesqlite/driver"
	"github.com/stablesqlite/stablesqlite/wasm"
)

// SetCacheDir, called before the first connection, chooses where compiled
// code is kept between processes (like STABLESQLITE_CACHE_DIR, which it
// overrides). Once a connection has opened, the choice is made.
func ExampleSetCacheDir() {
	dir, err := os.MkdirTemp("", "wasm-cache")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := wasm.SetCacheDir(dir); err != nil {
		log.Fatal(err)
	}

	db, err := sql.Open("stablesqlite", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	if err := db.Ping(); err != nil { // the first connection
		log.Fatal(err)
	}
	db.Close() // waits for the compiled code to reach dir
	fmt.Println(wasm.CacheDir() == dir)

	err = wasm.SetCacheDir("")
	fmt.Println(errors.Is(err, wasm.ErrCacheInUse))
	// Output:
	// true
	// true
}

// Binary is an ordinary WebAssembly module, which any Wasm tool reads.
func ExampleBinary() {
	fmt.Printf("%q\n", wasm.Binary[:8]) // magic number and version 1
	fmt.Printf("%q\n", wasm.Metered[:8])
	// Output:
	// "\x00asm\x01\x00\x00\x00"
	// "\x00asm\x01\x00\x00\x00"
}
