package etcd

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/stablesqlite/stablesqlite/driver"
)

// TestConflict: a transaction whose snapshot another process's commit made
// stale is refused with SQLITE_BUSY when it goes to write (nothing was
// written, and it can be retried); autocommit statements of two processes
// racing on one counter all land, none lost.
func TestConflict(t *testing.T) {
	c := needCluster(t)
	pfx := prefix(t)
	// Locks released at once, so that a stale snapshot meets a free lock.
	a := newBackend(t, c, Config{Prefix: pfx, LockLinger: -1})
	b := newBackend(t, c, Config{Prefix: pfx, LockLinger: -1})
	adb, bdb := connect(t, a, "k.db"), connect(t, b, "k.db")
	mustExec(t, adb, "create table c(n integer); insert into c values (0)")

	ctx := context.Background()
	bc, err := bdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	var n int
	if _, err := bc.ExecContext(ctx, "begin"); err != nil {
		t.Fatal(err)
	}
	if err := bc.QueryRowContext(ctx, "select n from c").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d, %v", n, err)
	}
	mustExec(t, adb, "update c set n = n + 1")
	_, err = bc.ExecContext(ctx, "update c set n = n + 10")
	if !errors.Is(err, driver.ErrBusy) || b.Stats().Conflicts != 1 {
		t.Fatalf("writing on a stale snapshot: %v, %d conflicts; want SQLITE_BUSY, 1", err, b.Stats().Conflicts)
	}
	if _, err := bc.ExecContext(ctx, "rollback"); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.ExecContext(ctx, "update c set n = n + 10"); err != nil {
		t.Fatalf("the retry: %v", err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, db := range []*sql.DB{adb, bdb, adb, bdb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				if _, err := db.Exec("update c set n = n + 1"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a racing increment: %v", err)
	}
	if err := adb.QueryRow("select n from c").Scan(&n); err != nil || n != 111 {
		t.Fatalf("counter %d, %v; want 111 (1 + 10 + 100 increments)", n, err)
	}
}
