package wasm

import _ "embed"

// Compiled is sqlite3.wasm compiled for linux/arm64 (see the linux/amd64
// one): made by sqlite-build/build.sh, under qemu-user where the build
// machine is not arm64, and checked by sqlite-build/check.sh.
//
//go:embed compiled_linux_arm64.gz
var Compiled []byte
