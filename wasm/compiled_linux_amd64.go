package wasm

import _ "embed"

// Compiled is sqlite3.wasm compiled for linux/amd64 by the wazero this
// module pins, exactly as a process that compiles it writes it to the
// compilation cache: the gzip of that cache entry, its header naming the
// entry (wazero's version, the platform, and the entry's key, which covers
// the CPU features the code may use). sqlite-build/build.sh makes it, and
// sqlite-build/check.sh fails if a rebuild differs.
//
//go:embed compiled_linux_amd64.gz
var Compiled []byte
