package conformance

import (
	"bytes"
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stablesqlite/stablesqlite/driver"
)

// oomCase is a statement that needs memory in proportion to n bytes; run
// returns its answer, which must be want(n) when the memory is there.
type oomCase struct {
	name string
	run  func(ctx context.Context, db *sql.DB, n int) (int64, error)
	want func(n int) int64
}

// series is a recursive CTE c(i) of n rows.
func series(n int) string {
	return fmt.Sprintf("with recursive c(i) as (select 1 union all select i+1 from c where i < %d) ", n)
}

// queryInt runs a query of one integer.
func queryInt(ctx context.Context, db *sql.DB, q string, args ...any) (int64, error) {
	var v int64
	err := db.QueryRowContext(ctx, q, args...).Scan(&v)
	return v, err
}

func oomCases() []oomCase {
	bytesOf := func(n int) int64 { return int64(n) }
	rowsOf := func(n int) int64 { return int64(max(n/1000, 1)) }
	return []oomCase{
		{"bound text", func(ctx context.Context, db *sql.DB, n int) (int64, error) {
			return queryInt(ctx, db, "select length(?)", strings.Repeat("x", n))
		}, bytesOf},
		{"bound blob", func(ctx context.Context, db *sql.DB, n int) (int64, error) {
			return queryInt(ctx, db, "select length(?)", bytes.Repeat([]byte{1}, n))
		}, bytesOf},
		{"blob result", func(ctx context.Context, db *sql.DB, n int) (int64, error) {
			var b []byte
			err := db.QueryRowContext(ctx, "select randomblob(?)", n).Scan(&b)
			return int64(len(b)), err
		}, bytesOf},
		{"text result", func(ctx context.Context, db *sql.DB, n int) (int64, error) {
			var s string
			err := db.QueryRowContext(ctx, "select printf('%.*c', ?, 'x')", n).Scan(&s)
			return int64(len(s)), err
		}, bytesOf},
		{"aggregate", func(ctx context.Context, db *sql.DB, n int) (int64, error) {
			return queryInt(ctx, db, series(int(rowsOf(n)))+"select length(group_concat(hex(randomblob(500)), '')) from c")
		}, func(n int) int64 { return rowsOf(n) * 1000 }},
		{"sort", func(ctx context.Context, db *sql.DB, n int) (int64, error) {
			return queryInt(ctx, db, series(int(rowsOf(n)))+"select count(*) from (select randomblob(1000) as x from c order by x)")
		}, rowsOf},
		{"distinct", func(ctx context.Context, db *sql.DB, n int) (int64, error) {
			return queryInt(ctx, db, series(int(rowsOf(n)))+"select count(distinct x) from (select randomblob(1000) as x from c)")
		}, rowsOf},
		{"temp table", func(ctx context.Context, db *sql.DB, n int) (int64, error) {
			defer db.ExecContext(ctx, "drop table if exists temp.tt")
			if _, err := db.ExecContext(ctx, "create temp table tt as "+series(int(rowsOf(n)))+"select randomblob(1000) as x from c"); err != nil {
				return 0, err
			}
			return queryInt(ctx, db, "select count(*) from tt")
		}, rowsOf},
		{"insert", func(ctx context.Context, db *sql.DB, n int) (int64, error) {
			if _, err := db.ExecContext(ctx, "insert into big(v) values (?)", bytes.Repeat([]byte{2}, n)); err != nil {
				return 0, err
			}
			return queryInt(ctx, db, "select length(v) from big where rowid = last_insert_rowid()")
		}, bytesOf},
	}
}

// oomTally counts the cases of one memory limit.
type oomTally struct{ cases, answered, nomem, toobig int }

// TestOutOfMemory runs statements that need memory in proportion to a
// size, from 64 KiB to 16 MiB (256 MiB in the long form), on connections
// whose memory is capped at 2, 8 and 64 MiB: bound values, results,
// aggregates, sorts, DISTINCT, temporary tables and inserts. Each gives
// SQLite's answer, or SQLITE_NOMEM or SQLITE_TOOBIG; the same connection
// goes on (one connection is ever opened, so no statement ran again on
// another), no insert happened twice, and the database is intact.
func TestOutOfMemory(t *testing.T) {
	ctx := context.Background()
	sizes := []int{64 << 10, 1 << 20, 4 << 20, 16 << 20}
	if long() {
		sizes = append(sizes, 64<<20, 256<<20)
	}
	for _, limit := range []int64{2 << 20, 8 << 20, 64 << 20} {
		t.Run(fmt.Sprintf("%dMiB", limit>>20), func(t *testing.T) {
			var opens atomic.Int32
			c, err := driver.NewConnector("file:/"+uniqueName("oom")+"?vfs=heap",
				driver.WithMemoryLimit(limit),
				driver.WithConnectHook(func(*driver.Conn) error { opens.Add(1); return nil }))
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(c)
			defer db.Close()
			db.SetMaxOpenConns(1)
			if _, err := db.Exec("create table big(v blob)"); err != nil {
				t.Fatal(err)
			}
			var tally oomTally
			inserted := 0
			for _, oc := range oomCases() {
				for _, n := range sizes {
					got, err := oc.run(ctx, db, n)
					tally.cases++
					switch {
					case errors.Is(err, sqldriver.ErrBadConn):
						t.Errorf("%s of %d bytes: driver.ErrBadConn: database/sql would run it again elsewhere", oc.name, n)
					case errors.Is(err, driver.ErrNoMem):
						tally.nomem++
					case errors.Is(err, driver.ErrTooBig):
						tally.toobig++
					case err != nil:
						t.Errorf("%s of %d bytes: %v, want an answer, SQLITE_NOMEM or SQLITE_TOOBIG", oc.name, n, err)
					case got != oc.want(n):
						t.Errorf("%s of %d bytes: %d, want %d", oc.name, n, got, oc.want(n))
					default:
						tally.answered++
						if oc.name == "insert" {
							inserted++
						}
					}
					if v, err := queryInt(ctx, db, "select 40 + 2"); err != nil || v != 42 {
						t.Fatalf("after %s of %d bytes the connection fails: %d, %v", oc.name, n, v, err)
					}
				}
			}
			// Past SQLite's largest value (SQLITE_MAX_LENGTH): TOOBIG, at
			// any memory limit.
			var b []byte
			tally.cases++
			if err := db.QueryRowContext(ctx, "select zeroblob(1000000001)").Scan(&b); !errors.Is(err, driver.ErrTooBig) {
				t.Errorf("a blob past SQLite's length limit: %v, want SQLITE_TOOBIG", err)
			} else {
				tally.toobig++
			}
			if n, err := queryInt(ctx, db, "select count(*) from big"); err != nil || n != int64(inserted) {
				t.Errorf("%d rows inserted, %d inserts succeeded (%v)", n, inserted, err)
			}
			if err := integrity(ctx, db); err != nil {
				t.Error(err)
			}
			if n := opens.Load(); n != 1 {
				t.Errorf("%d connections were opened for one: a broken connection was replaced", n)
			}
			t.Logf("out of memory, limit %d MiB: %d cases: %d answered, %d SQLITE_NOMEM, %d SQLITE_TOOBIG, %d connections",
				limit>>20, tally.cases, tally.answered, tally.nomem, tally.toobig, opens.Load())
		})
	}
}
