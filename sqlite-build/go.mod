// This module exists only to pin, with a checksum in go.sum, the Go module
// that carries the SQLite amalgamation. build.sh reads the version from here:
// it is the one place the SQLite version is chosen.
module github.com/stablesqlite/stablesqlite/sqlite-build

go 1.26

require github.com/mattn/go-sqlite3 v1.14.53
