package driver_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"

	"github.com/stablesqlite/stablesqlite/driver"
)

// The deepest recursion SQLite's limits allow, a chain of 1,000 triggers
// each inserting into the next table, runs as in the native shell, and
// one more is SQLite's own error (3.54 refuses it when compiling, "triggers
// nested too deep"; Debian's 3.40 when running it). The guest's 512 KiB stack overflowed at
// about 700 (the instance trapped after overwriting SQLite's globals).
func TestTriggerChainAsNative(t *testing.T) {
	cli := sqlite3cli.Path(t)
	for _, tc := range []struct {
		n       int
		wantErr string
	}{{1000, ""}, {1001, "triggers nested too deep"}} {
		var setup strings.Builder
		for i := 0; i <= tc.n; i++ {
			fmt.Fprintf(&setup, "create table t%d(x);\n", i)
		}
		for i := 0; i < tc.n; i++ {
			fmt.Fprintf(&setup, "create trigger tr%d after insert on t%d begin insert into t%d values (new.x+1); end;\n", i, i, i+1)
		}
		q := fmt.Sprintf("insert into t0 values (1); select x from t%d", tc.n)
		want, ok := nativeResult(t, cli, setup.String(), q)
		db := open(t, ":memory:")
		db.SetMaxOpenConns(1)
		if _, err := db.Exec(setup.String()); err != nil {
			t.Fatal(err)
		}
		var got sql.NullInt64
		_, err := db.Exec("insert into t0 values (1)")
		if err == nil {
			err = db.QueryRow(fmt.Sprintf("select x from t%d", tc.n)).Scan(&got)
		}
		switch {
		case tc.wantErr != "" && (!errors.As(err, new(*driver.Error)) || !strings.Contains(err.Error(), tc.wantErr) || ok):
			t.Errorf("chain of %d: %v (native: %q); want %q", tc.n, err, want, tc.wantErr)
		case tc.wantErr == "" && (err != nil || fmt.Sprint(got.Int64) != want):
			t.Errorf("chain of %d: %v, %v; native sqlite3: %q", tc.n, got.Int64, err, want)
		}
		var n int
		if err := db.QueryRow("select 41 + 1").Scan(&n); err != nil || n != 42 {
			t.Fatalf("the connection after it: %d, %v", n, err)
		}
	}
}
