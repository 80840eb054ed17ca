module github.com/stablesqlite/stablesqlite/gorm

go 1.26

require (
	github.com/stablesqlite/stablesqlite v0.0.0
	gorm.io/gorm v1.31.2
)

require (
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/jinzhu/now v1.1.5 // indirect
	github.com/tetratelabs/wazero v1.11.0 // indirect
	golang.org/x/sys v0.38.0 // indirect
	golang.org/x/text v0.20.0 // indirect
)

replace github.com/stablesqlite/stablesqlite => ../
