package workload

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
)

// Sizes of the workloads (README.md describes them).
const (
	BulkRows    = 200_000 // BulkInsert: rows inserted in one transaction
	PayloadSize = 100     // bytes of the payload blob of each row

	JoinUsers    = 1_000
	JoinArticles = 10_000
	JoinComments = 50_000

	PointRows    = 100_000 // PointQuery: rows in the table
	PointQueries = 10_000  // PointQuery: QueryRow calls per op

	BlobCount = 200
	BlobSize  = 200 << 10

	ConcGoroutines = 4       // Concurrent: goroutines, and the pool size
	ConcRows       = 100_000 // Concurrent: rows in the table
	ConcQueries    = 250     // Concurrent: range queries per goroutine per op
	ConcRange      = 100     // Concurrent: rows per range query

	FirstRows = 1_000 // FirstQuery: rows in the database the child opens
	IdleConns = 20    // Memory/IdleConn: connections opened in the child
)

// Driver is one driver (or one backend of a driver) under test.
type Driver struct {
	// Name identifies the driver to its child processes; by convention the
	// name of its top-level benchmark without "Benchmark".
	Name string
	// Open opens a configured pool (see Opener and Open).
	Open Opener
	// Pragmas are the pragmas Open applies for this driver, which Check
	// verifies; nil means DefaultPragmas.
	Pragmas []Pragma
	// InMemory says the database lives in the process's memory, so nothing
	// of it survives into a fresh process: FirstQuery is skipped.
	InMemory bool
}

// Run runs every workload as a sub-benchmark of b:
//
//	BulkInsert/Insert  BulkInsert/Scan  Join  PointQuery  Blobs  Concurrent
//	FirstQuery/cold  FirstQuery/warm  Memory/BulkInsert  Memory/IdleConn
//	Fresh/InsertScan/cold  Fresh/InsertScan/warm  Fresh/Join/...
//	Fresh/Points/...  Fresh/Blobs/...
func Run(b *testing.B, d Driver) {
	b.Run("BulkInsert", func(b *testing.B) {
		b.Run("Insert", func(b *testing.B) { benchInsert(b, d) })
		b.Run("Scan", func(b *testing.B) { benchScan(b, d) })
	})
	b.Run("Join", func(b *testing.B) { benchJoin(b, d) })
	b.Run("PointQuery", func(b *testing.B) { benchPointQuery(b, d) })
	b.Run("Blobs", func(b *testing.B) { benchBlobs(b, d) })
	b.Run("Concurrent", func(b *testing.B) { benchConcurrent(b, d) })
	b.Run("FirstQuery", func(b *testing.B) {
		b.Run("cold", func(b *testing.B) { benchFirstQuery(b, d, false) })
		b.Run("warm", func(b *testing.B) { benchFirstQuery(b, d, true) })
	})
	b.Run("Memory", func(b *testing.B) {
		b.Run("BulkInsert", func(b *testing.B) { benchMemoryBulk(b, d) })
		b.Run("IdleConn", func(b *testing.B) { benchMemoryConns(b, d) })
	})
	b.Run("Fresh", func(b *testing.B) {
		for _, w := range freshWorkloads {
			b.Run(w.name, func(b *testing.B) {
				b.Run("cold", func(b *testing.B) { benchFresh(b, d, w.name, false) })
				b.Run("warm", func(b *testing.B) { benchFresh(b, d, w.name, true) })
			})
		}
	})
}

// open opens a new database called name in a fresh directory and checks
// its configuration.
func open(b *testing.B, d Driver, name string) *sql.DB {
	b.Helper()
	db := d.Open(b, filepath.Join(b.TempDir(), name))
	Check(b, db, d.Pragmas...)
	return db
}

func mustExec(tb testing.TB, db *sql.DB, query string, args ...any) {
	tb.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

// Row data, made once per process: names and payloads are precomputed so
// that generating them is not part of any measurement.
var (
	dataOnce sync.Once
	names    []string
	payloads []byte // payload i is payloads[i%4096:][:PayloadSize]
)

func rowData() {
	dataOnce.Do(func() {
		names = make([]string, BulkRows)
		for i := range names {
			names[i] = fmt.Sprintf("name-%07d", i)
		}
		r := rand.New(rand.NewPCG(1, 2))
		payloads = make([]byte, 4096+PayloadSize)
		for i := range payloads {
			payloads[i] = byte(r.Uint32())
		}
	})
}

func payload(i int) []byte { return payloads[i%4096:][:PayloadSize] }

const tableSQL = `create table t(id integer primary key, name text, value real, payload blob)`

// createTable (re)creates the empty table t and truncates the WAL, so that
// every insert starts from the same state.
func createTable(tb testing.TB, db *sql.DB) {
	mustExec(tb, db, "drop table if exists t")
	mustExec(tb, db, tableSQL)
	checkpoint(tb, db)
}

func checkpoint(tb testing.TB, db *sql.DB) {
	// In a non-WAL journal mode this is a no-op that answers a row.
	rows, err := db.Query("PRAGMA wal_checkpoint(TRUNCATE)")
	if err != nil {
		tb.Fatalf("wal_checkpoint: %v", err)
	}
	rows.Close()
}

// insertRows inserts rows 1..n into t in one transaction with a prepared
// statement.
func insertRows(tb testing.TB, db *sql.DB, n int) {
	rowData()
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	st, err := tx.Prepare("insert into t(id, name, value, payload) values(?, ?, ?, ?)")
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		if _, err := st.Exec(i+1, names[i%len(names)], float64(i)*0.25, payload(i)); err != nil {
			tb.Fatalf("insert row %d: %v", i+1, err)
		}
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// scanAll reads every column of every row of t and checks the count.
func scanAll(tb testing.TB, db *sql.DB, want int) {
	rows, err := db.Query("select id, name, value, payload from t")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var (
		id      int64
		name    string
		value   float64
		payload []byte
		n       int
		total   int
	)
	for rows.Next() {
		if err := rows.Scan(&id, &name, &value, &payload); err != nil {
			tb.Fatal(err)
		}
		n++
		total += len(name) + len(payload)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	if n != want || total == 0 {
		tb.Fatalf("scan: %d rows, want %d", n, want)
	}
}

// BulkInsert/Insert: BulkRows rows in one transaction, prepared insert.
// The table is dropped and recreated (and the WAL truncated) untimed before
// each op.
func benchInsert(b *testing.B, d Driver) {
	db := open(b, d, "bulk.db")
	for b.Loop() {
		b.StopTimer()
		createTable(b, db)
		b.StartTimer()
		insertRows(b, db, BulkRows)
	}
}

// BulkInsert/Scan: a full scan of the BulkRows rows reading every column.
func benchScan(b *testing.B, d Driver) {
	db := open(b, d, "scan.db")
	createTable(b, db)
	insertRows(b, db, BulkRows)
	for b.Loop() {
		scanAll(b, db, BulkRows)
	}
}

// Join: comments joined with their article and their author, scanned fully.
func benchJoin(b *testing.B, d Driver) {
	db := open(b, d, "join.db")
	buildJoin(b, db)
	for b.Loop() {
		runJoin(b, db)
	}
}

// buildJoin creates and fills the three tables of the join.
func buildJoin(tb testing.TB, db *sql.DB) {
	for _, s := range []string{
		`create table users(id integer primary key, name text, email text)`,
		`create table articles(id integer primary key, user_id integer references users, title text, body text)`,
		`create table comments(id integer primary key, article_id integer references articles, user_id integer references users, body text)`,
	} {
		mustExec(tb, db, s)
	}
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 1; i <= JoinUsers; i++ {
		if _, err := tx.Exec("insert into users values(?, ?, ?)", i, fmt.Sprintf("user %d", i), fmt.Sprintf("user%d@example.org", i)); err != nil {
			tb.Fatal(err)
		}
	}
	for i := 1; i <= JoinArticles; i++ {
		if _, err := tx.Exec("insert into articles values(?, ?, ?, ?)", i, 1+r.IntN(JoinUsers),
			fmt.Sprintf("article %d", i), fmt.Sprintf("the body of article %d, long enough to be a paragraph of text", i)); err != nil {
			tb.Fatal(err)
		}
	}
	for i := 1; i <= JoinComments; i++ {
		if _, err := tx.Exec("insert into comments values(?, ?, ?, ?)", i, 1+r.IntN(JoinArticles), 1+r.IntN(JoinUsers),
			fmt.Sprintf("comment %d", i)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// runJoin scans the join fully.
func runJoin(tb testing.TB, db *sql.DB) {
	const query = `select c.id, c.body, a.title, u.name, u.email
		from comments c join articles a on a.id = c.article_id join users u on u.id = c.user_id`
	rows, err := db.Query(query)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var (
		id                       int64
		body, title, name, email string
		n                        int
	)
	for rows.Next() {
		if err := rows.Scan(&id, &body, &title, &name, &email); err != nil {
			tb.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	if n != JoinComments {
		tb.Fatalf("join: %d rows, want %d", n, JoinComments)
	}
}

// PointQuery: PointQueries QueryRow calls by primary key per op, each its
// own QueryRow (database/sql prepares and finalizes a statement each time).
func benchPointQuery(b *testing.B, d Driver) {
	db := open(b, d, "point.db")
	createTable(b, db)
	insertRows(b, db, PointRows)
	ids := make([]int, PointQueries)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range ids {
		ids[i] = 1 + r.IntN(PointRows)
	}
	for b.Loop() {
		pointQueries(b, db, ids)
	}
}

// pointQueries runs one QueryRow by primary key per id.
func pointQueries(tb testing.TB, db *sql.DB, ids []int) {
	var (
		name  string
		value float64
	)
	for _, id := range ids {
		if err := db.QueryRow("select name, value from t where id = ?", id).Scan(&name, &value); err != nil {
			tb.Fatalf("id %d: %v", id, err)
		}
	}
}

// Blobs: BlobCount blobs of BlobSize bytes written (each insert its own
// transaction), then read back one by one and checked. The table is
// emptied (and the WAL truncated) untimed before each op.
func benchBlobs(b *testing.B, d Driver) {
	db := open(b, d, "blobs.db")
	mustExec(b, db, "create table blobs(id integer primary key, data blob)")
	for b.Loop() {
		b.StopTimer()
		mustExec(b, db, "delete from blobs")
		checkpoint(b, db)
		b.StartTimer()
		writeReadBlobs(b, db)
	}
}

// writeReadBlobs writes BlobCount blobs (each insert its own transaction)
// into the table blobs, then reads them back one by one and checks them.
func writeReadBlobs(tb testing.TB, db *sql.DB) {
	blob := make([]byte, BlobSize)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range blob {
		blob[i] = byte(r.Uint32())
	}
	for i := 1; i <= BlobCount; i++ {
		binary.LittleEndian.PutUint64(blob, uint64(i))
		mustExec(tb, db, "insert into blobs(id, data) values(?, ?)", i, blob)
	}
	var got []byte
	for i := 1; i <= BlobCount; i++ {
		if err := db.QueryRow("select data from blobs where id = ?", i).Scan(&got); err != nil {
			tb.Fatal(err)
		}
		if len(got) != BlobSize || binary.LittleEndian.Uint64(got) != uint64(i) {
			tb.Fatalf("blob %d: %d bytes, stamp %d", i, len(got), binary.LittleEndian.Uint64(got))
		}
	}
}

// Concurrent: ConcGoroutines goroutines on a pool of as many connections,
// each running ConcQueries range queries of ConcRange rows per op.
func benchConcurrent(b *testing.B, d Driver) {
	db := open(b, d, "conc.db")
	createTable(b, db)
	insertRows(b, db, ConcRows)
	db.SetMaxOpenConns(ConcGoroutines)
	db.SetMaxIdleConns(ConcGoroutines)
	// Open every connection before timing.
	ctx := context.Background()
	var conns []*sql.Conn
	for range ConcGoroutines {
		c, err := db.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.PingContext(ctx); err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	starts := make([][]int, ConcGoroutines)
	r := rand.New(rand.NewPCG(9, 10))
	for g := range starts {
		starts[g] = make([]int, ConcQueries)
		for i := range starts[g] {
			starts[g][i] = 1 + r.IntN(ConcRows-ConcRange)
		}
	}
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make(chan error, ConcGoroutines)
		for g := range ConcGoroutines {
			wg.Go(func() {
				var (
					id    int64
					name  string
					value float64
				)
				for _, lo := range starts[g] {
					rows, err := db.Query("select id, name, value from t where id >= ? and id < ?", lo, lo+ConcRange)
					if err != nil {
						errs <- err
						return
					}
					n := 0
					for rows.Next() {
						if err := rows.Scan(&id, &name, &value); err != nil {
							rows.Close()
							errs <- err
							return
						}
						n++
					}
					err = rows.Err()
					rows.Close()
					if err == nil && n != ConcRange {
						err = fmt.Errorf("range at %d: %d rows, want %d", lo, n, ConcRange)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
}
