package driver_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/driver"
)

// An INSERT ... RETURNING read for one row (QueryRow) commits when its rows
// are closed; a commit that fails there (here SQLITE_BUSY: another
// connection holds a read lock) is Scan's error. It was dropped: Scan
// returned the new row's id and no error, and the row was never stored.
func TestCommitAtRowsCloseIsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	db := open(t, path+"?_busy_timeout=20")
	if _, err := db.Exec("create table t(id integer primary key, x)"); err != nil {
		t.Fatal(err)
	}
	reader := open(t, path)
	tx, err := reader.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow("select count(*) from t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	var id int64
	err = db.QueryRow("insert into t(x) values ('a') returning id").Scan(&id)
	if !errors.Is(err, driver.ErrBusy) {
		t.Fatalf("INSERT ... RETURNING whose commit is refused: id %d, %v; want SQLITE_BUSY", id, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows: %d, %v", n, err)
	}
	// Once the reader is gone the same statement commits, and says so.
	if err := db.QueryRow("insert into t(x) values ('a') returning id").Scan(&id); err != nil || id != 1 {
		t.Fatalf("INSERT ... RETURNING: id %d, %v", id, err)
	}
	if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows: %d, %v", n, err)
	}
}
