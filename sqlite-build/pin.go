//go:build pin

// This file is never built: it imports the module that carries the SQLite
// amalgamation, so that go mod tidy keeps its requirement (build.sh reads
// the sources from the module cache; nothing compiles it as Go).
package sqlitebuild

import _ "github.com/mattn/go-sqlite3"
