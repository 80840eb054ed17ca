// Package sqlcdb is code that sqlc generates from schema.sql and query.sql,
// committed, and exercised against stablesqlite by the conformance tests.
// Regenerate with the pinned sqlc (needs cgo for sqlc itself, not for the
// code it writes):
//
//	go generate ./sqlcdb
package sqlcdb

//go:generate go run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.30.0 generate
