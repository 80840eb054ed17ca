// Package wasm holds sqlite3.wasm, SQLite compiled to WebAssembly with
// the driver's VFS and export glue (built by sqlite-build/, documented in
// ABI.md), and the settings of where its compiled code is kept.
//
// Every connection runs in its own instance of the module in wazero. The
// module's compiled code is kept on disk (see CacheDir), and every process
// that finds it there loads it in a few milliseconds. On linux/amd64 and
// linux/arm64 the binary carries the code compiled at build time
// (Compiled), and a process that finds the cache empty installs that code
// into it, so no process compiles. Elsewhere, or on a CPU whose features
// differ from the build machine's (wazero keys the code by them: on amd64
// SSE4.1, BMI1 and LZCNT/POPCNT, on arm64 the ARMv8.1 atomics), or when
// another wazero version is linked in, the first
// process on a machine compiles the module (about 0.3 s on two cores) and
// fills the cache. The environment variable STABLESQLITE_ENGINE=interpreter
// runs the module on wazero's interpreter instead, which compiles nothing
// (for systems that cannot map executable memory; some tens of times
// slower).
package wasm

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"strings"
)

// Binary is the embedded SQLite module.
//
//go:embed sqlite3.wasm
var Binary []byte

// EngineEnv names the environment variable that chooses how the module
// runs: unset or "compiler" for compiled code, "interpreter" for wazero's
// interpreter.
const EngineEnv = "STABLESQLITE_ENGINE"

// Metered is the embedded metered module: sqlite3.wasm rewritten by
// sqlite-build's metering pass to count the instructions it executes, as
// the Internet Computer counts a canister's (ABI.md, "The metered module").
//
//go:embed sqlite3.metered.wasm
var Metered []byte

// sums is sha256sum's listing of the two modules, written beside them by
// sqlite-build/build.sh.
//
//go:embed SHA256SUMS
var sums string

// Sum returns module's SHA-256, which keys its compiled code in the cache.
// For Binary and Metered it is the sum written at build time, so that a
// process that finds its code in the cache never reads the module (a
// millisecond, and a megabyte of memory, at every start); any other
// module's is computed.
func Sum(module []byte) [sha256.Size]byte {
	for _, e := range []struct {
		name string
		m    []byte
	}{{"sqlite3.wasm", Binary}, {"sqlite3.metered.wasm", Metered}} {
		name, m := e.name, e.m
		if len(module) != len(m) || len(m) == 0 || &module[0] != &m[0] {
			continue
		}
		for line := range strings.Lines(sums) {
			hexSum, file, _ := strings.Cut(strings.TrimSpace(line), "  ")
			var sum [sha256.Size]byte
			if n, err := hex.Decode(sum[:], []byte(hexSum)); file == name && err == nil && n == len(sum) {
				return sum
			}
		}
	}
	return sha256.Sum256(module)
}
