// Tests across layers: the database/sql behaviours users rely on, run on
// every backend, and the ORMs and generators people use with them. A module
// of its own, so that the driver never depends on GORM or sqlx.
module github.com/stablesqlite/stablesqlite/conformance

go 1.26

require (
	github.com/jmoiron/sqlx v1.4.0
	github.com/stablesqlite/stablesqlite v0.0.0
	github.com/stablesqlite/stablesqlite/gorm v0.0.0-00010101000000-000000000000
	gorm.io/gorm v1.31.2
)

require (
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/jinzhu/now v1.1.5 // indirect
	github.com/tetratelabs/wazero v1.11.0 // indirect
	golang.org/x/sys v0.38.0 // indirect
	golang.org/x/text v0.20.0 // indirect
)

replace (
	github.com/stablesqlite/stablesqlite => ../
	github.com/stablesqlite/stablesqlite/gorm => ../gorm
)
