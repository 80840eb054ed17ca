// The ncruces/go-sqlite3 driver, in a module of its own: v0.32 and v0.35
// are both compared and both register "sqlite3".
module github.com/stablesqlite/stablesqlite/bench/ncruces035

go 1.26.0

require (
	github.com/ncruces/go-sqlite3 v0.35.6
	github.com/stablesqlite/stablesqlite/bench v0.0.0
)

require (
	github.com/ncruces/go-sqlite3-wasm/v6 v6.3.35304 // indirect
	github.com/ncruces/julianday v1.0.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/stablesqlite/stablesqlite/bench => ../

replace github.com/stablesqlite/stablesqlite => ../../
