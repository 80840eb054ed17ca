// Package conformance holds tests across layers: the database/sql
// behaviours users rely on (sql.go; RunSQL runs them, so that a backend in
// another module, such as vfs=etcd, can check itself from its own tests),
// run on every backend of this module (sql_test.go), and GORM, sqlc and
// sqlx on top of the driver (orm_test.go). Package sqlcdb is code sqlc
// generated from sqlcdb/schema.sql and sqlcdb/query.sql.
package conformance
