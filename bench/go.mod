// Benchmarks, in their own module so that the peers they compare against
// never become dependencies of the driver.
module github.com/stablesqlite/stablesqlite/bench

go 1.26

require github.com/stablesqlite/stablesqlite v0.0.0

require (
	github.com/tetratelabs/wazero v1.11.0 // indirect
	golang.org/x/sys v0.38.0 // indirect
)

replace github.com/stablesqlite/stablesqlite => ../
