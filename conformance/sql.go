package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/driver"
)

// Runner runs f on a fresh database on every backend under test, each as
// a subtest.
type Runner func(t *testing.T, f func(t *testing.T, db *sql.DB))

// Each returns the Runner that opens, for every subtest, the databases
// newDSNs names (backend name to DSN); newDSNs is called with the
// subtest's t, so its names can be unique to it.
func Each(newDSNs func(t *testing.T) map[string]string) Runner {
	return func(t *testing.T, f func(t *testing.T, db *sql.DB)) {
		for name, dsn := range newDSNs(t) {
			t.Run(name, func(t *testing.T) {
				db, err := sql.Open("stablesqlite", dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				f(t, db)
			})
		}
	}
}

// SQL lists the database/sql behaviours users rely on, by name.
var SQL = []struct {
	Name string
	Run  func(t *testing.T, each Runner)
}{
	{"Nulls", sqlNulls},
	{"TypeRoundTrips", sqlTypeRoundTrips},
	{"Results", sqlResults},
	{"Transactions", sqlTransactions},
	{"CancelLongQuery", sqlCancelLongQuery},
	{"ColumnTypes", sqlColumnTypes},
	{"SeveralStatementsInOneExec", sqlSeveralStatementsInOneExec},
	{"PreparedStatementFromManyGoroutines", sqlPreparedStatementFromManyGoroutines},
	{"ConstraintErrors", sqlConstraintErrors},
	{"Extensions", sqlExtensions},
	{"LargeBlob", sqlLargeBlob},
	{"AbandonedRowsDoNotBlockWriters", sqlAbandonedRowsDoNotBlockWriters},
	{"SurplusAndMissingArguments", sqlSurplusAndMissingArguments},
}

// RunSQL checks every behaviour of SQL, each a subtest, on the databases
// newDSNs names: backends outside this module (vfs=etcd) run the suite
// this way from their own tests.
func RunSQL(t *testing.T, newDSNs func(t *testing.T) map[string]string) {
	each := Each(newDSNs)
	for _, c := range SQL {
		t.Run(c.Name, func(t *testing.T) { c.Run(t, each) })
	}
}

func exec(t *testing.T, db interface {
	Exec(string, ...any) (sql.Result, error)
}, q string, args ...any) sql.Result {
	t.Helper()
	r, err := db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return r
}

func sqlNulls(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		exec(t, db, "create table t(s text, i integer, f real, b boolean, at datetime, raw blob)")
		exec(t, db, "insert into t values (null, null, null, null, null, null)")
		var (
			s  sql.NullString
			i  sql.NullInt64
			f  sql.NullFloat64
			b  sql.NullBool
			at sql.NullTime
			i3 sql.Null[int32]
			r  []byte
		)
		if err := db.QueryRow("select s, i, f, b, at, i, raw from t").Scan(&s, &i, &f, &b, &at, &i3, &r); err != nil {
			t.Fatal(err)
		}
		if s.Valid || i.Valid || f.Valid || b.Valid || at.Valid || i3.Valid || r != nil {
			t.Fatalf("NULLs scanned as values: %v %v %v %v %v %v %v", s, i, f, b, at, i3, r)
		}
		exec(t, db, "update t set s = 'x', i = 7, f = 1.5, b = 1, at = '2026-01-02 03:04:05'")
		if err := db.QueryRow("select s, i, f, b, at from t").Scan(&s, &i, &f, &b, &at); err != nil {
			t.Fatal(err)
		}
		if s.String != "x" || i.Int64 != 7 || f.Float64 != 1.5 || !b.Bool || at.Time.Year() != 2026 {
			t.Fatalf("values: %v %v %v %v %v", s, i, f, b, at)
		}
	})
}

func sqlTypeRoundTrips(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		exec(t, db, "create table t(v)")
		now := time.Date(2026, 11, 22, 8, 15, 32, 123456789, time.UTC)
		for _, v := range []any{
			int8(-8), int16(-16), int32(-32), int64(math.MinInt64), int(42),
			uint8(8), uint16(16), uint32(math.MaxUint32), uint64(math.MaxInt64),
			float32(1.5), math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(-1),
			"", "text with \x00 nul and ünïcödé", []byte{}, []byte{0, 1, 2, 255},
			true, false, now,
		} {
			exec(t, db, "delete from t")
			exec(t, db, "insert into t values (?)", v)
			dst := reflect.New(reflect.TypeOf(v))
			if _, ok := v.(time.Time); ok {
				// an untyped column holds text: scan it as a string and parse
				var s string
				if err := db.QueryRow("select v from t").Scan(&s); err != nil {
					t.Fatal(err)
				}
				got, err := time.Parse(driver.TimeFormat, s)
				if err != nil || !got.Equal(now) {
					t.Fatalf("time stored as %q (%v)", s, err)
				}
				continue
			}
			if err := db.QueryRow("select v from t").Scan(dst.Interface()); err != nil {
				t.Fatalf("%T: %v", v, err)
			}
			if got := dst.Elem().Interface(); !reflect.DeepEqual(got, v) {
				t.Fatalf("%T %v came back as %v", v, v, got)
			}
		}
		if _, err := db.Exec("insert into t values (?)", uint64(math.MaxUint64)); err == nil {
			t.Fatal("a uint64 above MaxInt64 was accepted")
		}
		if _, err := db.Exec("insert into t values (?)", struct{}{}); err == nil {
			t.Fatal("a struct was accepted")
		}
	})
}

func sqlResults(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		exec(t, db, "create table t(id integer primary key, v)")
		r := exec(t, db, "insert into t(v) values (1), (2), (3)")
		if id, err := r.LastInsertId(); err != nil || id != 3 {
			t.Fatalf("LastInsertId %d, %v", id, err)
		}
		if n, err := exec(t, db, "update t set v = v + 1 where id > 1").RowsAffected(); err != nil || n != 2 {
			t.Fatalf("RowsAffected %d, %v", n, err)
		}
		if n, _ := exec(t, db, "delete from t").RowsAffected(); n != 3 {
			t.Fatalf("RowsAffected after delete: %d", n)
		}
	})
}

func sqlTransactions(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		exec(t, db, "create table t(v)")
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		exec(t, tx, "insert into t values (1)")
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		tx, _ = db.Begin()
		exec(t, tx, "insert into t values (2)")
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var n, v int
		if err := db.QueryRow("select count(*), max(v) from t").Scan(&n, &v); err != nil || n != 1 || v != 2 {
			t.Fatalf("after commit and rollback: %d rows, max %d, %v", n, v, err)
		}
		ro, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := ro.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 1 {
			t.Fatalf("read in a read-only transaction: %d, %v", n, err)
		}
		for _, q := range []string{"insert into t values (3)", "create table u(x)", "delete from t"} {
			if _, err := ro.Exec(q); !errors.Is(err, driver.ErrReadOnly) {
				t.Fatalf("%s in a read-only transaction: %v", q, err)
			}
		}
		ro.Commit()
		exec(t, db, "insert into t values (4)")
	})
}

func sqlCancelLongQuery(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		db.SetMaxOpenConns(1)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		var n int64
		err := db.QueryRowContext(ctx, "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c").Scan(&n)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled query: %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("took %v to stop", d)
		}
		if err := db.QueryRow("select 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("after cancel: %v", err)
		}
	})
}

func sqlColumnTypes(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		exec(t, db, "create table t(i integer, s varchar(20), f real, b blob, d datetime, ok boolean, x)")
		rows, err := db.Query("select i, s, f, b, d, ok, x, 1 + 1 as e from t")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cts, err := rows.ColumnTypes()
		if err != nil {
			t.Fatal(err)
		}
		var names, types []string
		var scans []string
		for _, ct := range cts {
			names = append(names, ct.Name())
			types = append(types, ct.DatabaseTypeName())
			scans = append(scans, ct.ScanType().String())
		}
		if strings.Join(names, ",") != "i,s,f,b,d,ok,x,e" ||
			strings.Join(types, ",") != "INTEGER,VARCHAR(20),REAL,BLOB,DATETIME,BOOLEAN,," ||
			strings.Join(scans, ",") != "int64,string,float64,[]uint8,time.Time,bool,interface {},interface {}" {
			t.Fatalf("names %v, types %v, scan types %v", names, types, scans)
		}
	})
}

func sqlSeveralStatementsInOneExec(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		db.SetMaxOpenConns(1)
		exec(t, db, `create table a(x); create table b(y);
			insert into a values (?); insert into b values (?), (?); -- a comment
			update a set x = x * 10;`, 1, 2, 3)
		var x, y int
		if err := db.QueryRow("select (select sum(x) from a), (select sum(y) from b)").Scan(&x, &y); err != nil || x != 10 || y != 5 {
			t.Fatalf("%d %d %v", x, y, err)
		}
		if _, err := db.Exec("insert into a values (?); insert into b values (?)", 1, 2, 3); err == nil {
			t.Fatal("a surplus argument was accepted")
		}
		if _, err := db.Exec("insert into a values (?)"); err == nil {
			t.Fatal("a missing argument was accepted")
		}
	})
}

func sqlPreparedStatementFromManyGoroutines(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		exec(t, db, "create table t(id integer primary key, v)")
		ins, err := db.Prepare("insert into t(v) values (?)")
		if err != nil {
			t.Fatal(err)
		}
		sel, err := db.Prepare("select v from t where id = ?")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					r, err := ins.Exec(g*1000 + i)
					if err != nil {
						errs <- err
						return
					}
					id, _ := r.LastInsertId()
					var v int
					if err := sel.QueryRow(id).Scan(&v); err != nil || v != g*1000+i {
						errs <- fmt.Errorf("row %d: %d, %v", id, v, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		ins.Close()
		sel.Close()
	})
}

func sqlConstraintErrors(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		db.SetMaxOpenConns(1)
		exec(t, db, "pragma foreign_keys = on")
		exec(t, db, "create table p(id integer primary key, u unique, n not null, c check (c > 0))")
		exec(t, db, "create table ch(p references p(id))")
		exec(t, db, "insert into p values (1, 1, 1, 1)")
		for q, want := range map[string]driver.ExtendedErrorCode{
			"insert into p values (1, 2, 1, 1)":    driver.ErrConstraintPrimaryKey,
			"insert into p values (2, 1, 1, 1)":    driver.ErrConstraintUnique,
			"insert into p values (3, 3, null, 1)": driver.ErrConstraintNotNull,
			"insert into p values (4, 4, 1, -1)":   driver.ErrConstraintCheck,
			"insert into ch values (99)":           driver.ErrConstraintForeignKey,
		} {
			_, err := db.Exec(q)
			var se *driver.Error
			if !errors.As(err, &se) || se.ExtendedCode != want || se.Code != driver.ErrConstraint || !errors.Is(err, want) {
				t.Errorf("%s: %v, want extended code %d", q, err, want)
			}
		}
	})
}

func sqlExtensions(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		db.SetMaxOpenConns(1)
		var s string
		if err := db.QueryRow(`select json_extract('{"a":[1,{"b":"x"}]}', '$.a[1].b')`).Scan(&s); err != nil || s != "x" {
			t.Fatalf("JSON: %q, %v", s, err)
		}
		if err := db.QueryRow(`select json_group_array(value) from json_each('[3,1,2]')`).Scan(&s); err != nil || s != "[3,1,2]" {
			t.Fatalf("JSON table functions: %q, %v", s, err)
		}
		exec(t, db, "create virtual table docs using fts5(title, body)")
		exec(t, db, "insert into docs values ('stable memory', 'sqlite in a flat region'), ('other', 'nothing here')")
		if err := db.QueryRow("select title from docs where docs match 'flat AND region'").Scan(&s); err != nil || s != "stable memory" {
			t.Fatalf("FTS5: %q, %v", s, err)
		}
		exec(t, db, "create virtual table boxes using rtree(id, minx, maxx, miny, maxy)")
		exec(t, db, "insert into boxes values (1, 0, 10, 0, 10), (2, 20, 30, 20, 30)")
		var id int
		if err := db.QueryRow("select id from boxes where minx <= 25 and maxx >= 25 and miny <= 25 and maxy >= 25").Scan(&id); err != nil || id != 2 {
			t.Fatalf("R*Tree: %d, %v", id, err)
		}
		var f float64
		if err := db.QueryRow("select sqrt(2) * sqrt(2) + ln(exp(1)) + pow(2, 10) + pi() - pi()").Scan(&f); err != nil || math.Abs(f-1027) > 1e-9 {
			t.Fatalf("math: %v, %v", f, err)
		}
		var pages int
		if err := db.QueryRow("select count(*) from dbstat").Scan(&pages); err != nil || pages == 0 {
			t.Fatalf("dbstat: %d, %v", pages, err)
		}
	})
}

func sqlLargeBlob(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		blob := make([]byte, 16<<20)
		rand.Read(blob)
		exec(t, db, "create table t(b blob)")
		exec(t, db, "insert into t values (?)", blob)
		var got []byte
		if err := db.QueryRow("select b from t").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, blob) {
			t.Fatal("16 MiB blob changed on the way")
		}
	})
}

// A result set that is opened and abandoned unread blocks no writer on
// another connection.
func sqlAbandonedRowsDoNotBlockWriters(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		exec(t, db, "create table t(v)")
		exec(t, db, "insert into t values (1), (2)")
		reader, _ := db.Conn(ctx)
		defer reader.Close()
		rows, err := reader.QueryContext(ctx, "select v from t")
		if err != nil {
			t.Fatal(err)
		}
		_ = rows // never read, never closed (until the end)
		writer, _ := db.Conn(ctx)
		defer writer.Close()
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		start := time.Now()
		if _, err := writer.ExecContext(wctx, "insert into t values (3)"); err != nil {
			t.Fatalf("writer blocked: %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("writer waited %v", d)
		}
		rows.Close()
	})
}

func sqlSurplusAndMissingArguments(t *testing.T, each Runner) {
	each(t, func(t *testing.T, db *sql.DB) {
		var n int
		for q, args := range map[string][]any{
			"select ?":      {1, 2},
			"select :a":     {sql.Named("a", 1), sql.Named("b", 2)},
			"select ?, ?":   {1},
			"select :a, :b": {sql.Named("a", 1)},
		} {
			if err := db.QueryRow(q, args...).Scan(&n); err == nil {
				t.Errorf("%s with %v: no error", q, args)
			}
		}
		st, err := db.Prepare("select ? + ?")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.QueryRow(1, 2, 3).Scan(&n); err == nil {
			t.Error("prepared statement took a surplus argument")
		}
		if err := st.QueryRow(1, 2).Scan(&n); err != nil || n != 3 {
			t.Errorf("prepared statement: %d, %v", n, err)
		}
	})
}
