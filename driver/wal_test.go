package driver_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
)

func walDSNs(t *testing.T) map[string]string {
	return map[string]string{
		"file":   filepath.Join(t.TempDir(), "wal.db") + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)",
		"heap":   "file:" + heapName(t) + "?vfs=heap&_pragma=journal_mode(WAL)",
		"stable": "file:main.db?vfs=stable&memory=" + uniqueName(t) + "&_pragma=journal_mode(WAL)",
	}
}

// In WAL mode a reader keeps its snapshot while a writer commits, and
// neither waits for the other.
func TestWALSnapshots(t *testing.T) {
	for name, dsn := range walDSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t, dsn)
			var mode string
			if err := db.QueryRow("pragma journal_mode").Scan(&mode); err != nil || mode != "wal" {
				t.Fatalf("journal_mode = %q, %v", mode, err)
			}
			mustExec(t, db, "create table t(x)")
			mustExec(t, db, "insert into t values (1), (2)")
			reader, _ := db.Conn(ctx)
			defer reader.Close()
			tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := tx.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 2 {
				t.Fatalf("reader: %d, %v", n, err)
			}
			// An open, unread result set does not block the writer either.
			rows, err := tx.Query("select x from t")
			if err != nil {
				t.Fatal(err)
			}
			writer, _ := db.Conn(ctx)
			defer writer.Close()
			if _, err := writer.ExecContext(ctx, "insert into t values (3)"); err != nil {
				t.Fatalf("writer blocked by a reader: %v", err)
			}
			if err := tx.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 2 {
				t.Fatalf("reader's snapshot moved: %d, %v", n, err)
			}
			rows.Close()
			tx.Commit()
			if err := reader.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 3 {
				t.Fatalf("after the snapshot: %d, %v", n, err)
			}
		})
	}
}

// Writers and readers on a pool, all at once, in WAL mode.
func TestWALConcurrency(t *testing.T) {
	for name, dsn := range walDSNs(t) {
		t.Run(name, func(t *testing.T) {
			db := open(t, dsn+"&_txlock=immediate")
			db.SetMaxOpenConns(6)
			mustExec(t, db, "create table t(g, i, pad)")
			var wg sync.WaitGroup
			errs := make(chan error, 10)
			for g := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 40 {
						if _, err := db.Exec("insert into t values (?, ?, randomblob(3000))", g, i); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					last := 0
					for range 40 {
						var n int
						if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil {
							errs <- err
							return
						}
						if n < last {
							errs <- sql.ErrNoRows
							return
						}
						last = n
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			var n int
			var check string
			if err := db.QueryRow("select count(*), (select integrity_check from pragma_integrity_check) from t").Scan(&n, &check); err != nil || n != 120 || check != "ok" {
				t.Fatalf("count %d, integrity %q, %v", n, check, err)
			}
			if _, err := db.Exec("pragma wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
