// Package conformance holds tests across layers: the database/sql
// behaviours users rely on (sql.go; RunSQL runs them, so that a backend in
// another module, such as vfs=etcd, can check itself from its own tests),
// run on every backend of this module (sql_test.go); GORM, sqlc and sqlx
// on top of the driver (orm_test.go); processes sharing a WAL database
// (walproc_test.go, litestream_test.go); and the reliability suites
// (README.md): power cuts (powerloss_test.go), killed processes
// (sigkill_test.go), failed I/O calls (faults_test.go), full storage
// (fulldisk_test.go), out of memory (oom_test.go) and backend panics
// (trap_test.go), over one workload whose every state is known
// (workload_test.go). Package sqlcdb is code sqlc generated from
// sqlcdb/schema.sql and sqlcdb/query.sql.
package conformance
