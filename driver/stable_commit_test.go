package driver_test

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const commitChildEnv = "STABLESQLITE_COMMIT_CHILD"

// TestStableCommitChild is the child of TestStableCommitOutlivesProcess:
// it commits ten rows to the image and its DSN named in commitChildEnv,
// then leaves without closing anything, as a killed process does.
func TestStableCommitChild(t *testing.T) {
	dsn := os.Getenv(commitChildEnv)
	if dsn == "" {
		t.Skip("child process of TestStableCommitOutlivesProcess")
	}
	db, err := sql.Open("stablesqlite", dsn)
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	for _, q := range []string{"create table t(x)", "insert into t values (0)"} {
		if _, err := db.Exec(q); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
	}
	for i := 1; i < 10; i++ {
		if _, err := db.Exec("insert into t values (?)", i); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
	}
	os.Exit(0)
}

// A transaction committed to a stable image is in the image when COMMIT
// returns, whatever the journal, synchronous and locking modes: in WAL mode
// at NORMAL (the default synchronous of WAL here), and with synchronous=OFF
// in exclusive locking mode, COMMIT returned with the writes still in the
// backend's overlay, and a process that died then lost every commit.
func TestStableCommitOutlivesProcess(t *testing.T) {
	dir := t.TempDir() // the subtests' own would hold their names' & and =
	for i, mode := range []string{
		"_journal_mode=WAL",
		"_journal_mode=WAL&_sync=OFF",
		"_journal_mode=WAL&_locking_mode=EXCLUSIVE",
		"_sync=OFF&_locking_mode=EXCLUSIVE",
		"_journal_mode=PERSIST&_sync=OFF&_locking_mode=EXCLUSIVE",
		"_journal_mode=TRUNCATE&_sync=OFF&_locking_mode=EXCLUSIVE",
		"_sync=OFF",
		"_sync=FULL",
	} {
		t.Run(mode, func(t *testing.T) {
			image := filepath.Join(dir, fmt.Sprintf("%d.img", i))
			dsn := "file:main.db?vfs=stable&image=" + image
			cmd := exec.Command(os.Args[0], "-test.run=^TestStableCommitChild$")
			cmd.Env = append(os.Environ(), commitChildEnv+"="+dsn+"&"+mode,
				"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			db := open(t, dsn)
			var n int
			if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != 10 {
				t.Fatalf("after the process ended: %d of 10 committed rows, %v", n, err)
			}
		})
	}
}
