package driver_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/driver"
)

// An error's Cause is what the backend said about that error, never an
// earlier error of the same call that SQLite got past: here an insert waits
// out another connection's lock (the backend says busy, SQLite's busy
// handler retries) and then fills the database up to max_page_count, a
// SQLITE_FULL of SQLite's own, which the backend had no part in. Its Cause
// was the busy lock.
func TestCauseIsTheErrorsOwn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db := open(t, path+"?_busy_timeout=5000")
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("create table t(v); pragma max_page_count=5"); err != nil {
		t.Fatal(err)
	}
	other := open(t, path)
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("insert into t values (1)"); err != nil { // holds RESERVED
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		tx.Commit()
	}()
	_, err = db.Exec("pragma max_page_count=5; insert into t values (randomblob(100000))")
	var e *driver.Error
	if !errors.As(err, &e) || e.Code != driver.ErrFull {
		t.Fatalf("an insert past max_page_count: %v, want SQLITE_FULL", err)
	}
	if errors.Is(err, backend.ErrBusy) || e.Cause != nil {
		t.Fatalf("SQLITE_FULL of SQLite's own has the cause %v", e.Cause)
	}
}
