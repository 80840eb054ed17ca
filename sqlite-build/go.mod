// This module pins, with a checksum in go.sum, the Go module that carries
// the SQLite amalgamation: build.sh reads the version from here, the one
// place the SQLite version is chosen (pin.go keeps go mod tidy from dropping
// it). It also holds the build's metering pass (instrument/, standard
// library only; its tests run the modules in wazero), so that none of this
// reaches the driver's module.
module github.com/stablesqlite/stablesqlite/sqlite-build

go 1.26

require (
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/tetratelabs/wazero v1.11.0
)

require golang.org/x/sys v0.38.0 // indirect
