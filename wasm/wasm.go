// Package wasm holds sqlite3.wasm, SQLite compiled to WebAssembly with
// the driver's VFS and export glue (built by sqlite-build/, documented in
// ABI.md), and the settings of where its compiled code is kept.
//
// Every connection runs in its own instance of the module in wazero. The
// module is compiled once per process, and the compiled code is kept on
// disk (see CacheDir), so only the first process on a machine compiles
// (half a second on two cores); every later one loads the code in a few
// milliseconds. The environment variable STABLESQLITE_ENGINE=interpreter
// runs the module on wazero's interpreter instead, which compiles nothing
// (for systems that cannot map executable memory; some tens of times
// slower).
package wasm

import _ "embed"

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
