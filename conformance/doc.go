// Package conformance holds tests across layers: the database/sql
// behaviours users rely on, run on every backend (sql_test.go), and GORM,
// sqlc and sqlx on top of the driver (orm_test.go). Package sqlcdb is code
// sqlc generated from sqlcdb/schema.sql and sqlcdb/query.sql.
package conformance
