//go:build !(linux && (amd64 || arm64))

package wasm

// Compiled is nil: no compiled code is shipped for this platform, and the
// first process on a machine compiles sqlite3.wasm (see the package
// documentation).
var Compiled []byte
