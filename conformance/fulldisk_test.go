package conformance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
	"github.com/stablesqlite/stablesqlite/internal/tmpfs"
)

// fullTarget is one row of the full-storage suite.
type fullTarget struct {
	name string
	wal  bool
	// store makes storage that fills up after a few MiB, and returns how to
	// open the database on it (again: as a new process would) and how to
	// make n bytes of room, as a user freeing space elsewhere does: on a
	// disk full to the last block even a DELETE cannot write its journal,
	// with the native SQLite too.
	store func(t *testing.T) (open func() (*sql.DB, error), room func(n int64))
}

func fullTargets() []fullTarget {
	var out []fullTarget
	onTmpfs := func(dsn func(dir string) string) func(t *testing.T) (func() (*sql.DB, error), func(int64)) {
		return func(t *testing.T) (func() (*sql.DB, error), func(int64)) {
			dir := tmpfs.Mount(t, 5<<20)
			ballast := filepath.Join(dir, "ballast")
			if err := os.WriteFile(ballast, make([]byte, 1<<20), 0o644); err != nil {
				t.Fatal(err)
			}
			open := func() (*sql.DB, error) { return sql.Open("stablesqlite", dsn(dir)) }
			return open, func(n int64) {
				if err := os.Truncate(ballast, 1<<20-n); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, j := range []string{"DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL"} {
		for _, s := range []string{"FULL", "OFF"} {
			params := fmt.Sprintf("?_journal_mode=%s&_sync=%s", j, s) + walCheckpoints(j, "&")
			out = append(out, fullTarget{"file " + j + " " + s, j == "WAL", onTmpfs(func(dir string) string {
				return "file:" + filepath.Join(dir, "full.db") + params
			})})
		}
	}
	for _, j := range []string{"DELETE", "WAL"} {
		params := "&_journal_mode=" + j + walCheckpoints(j, "&")
		out = append(out, fullTarget{"image " + j, j == "WAL", onTmpfs(func(dir string) string {
			return "file:main.db?vfs=stable&image=" + filepath.Join(dir, "full.img") + params
		})})
	}
	// An in-process stable memory fills at its maximum size.
	for _, j := range []string{"DELETE", "WAL"} {
		out = append(out, fullTarget{"stable memory (64 pages) " + j, j == "WAL", func(t *testing.T) (func() (*sql.DB, error), func(int64)) {
			mem := &cappedMemory{Memory: stable.NewMemory(0), max: 64}
			open := func() (*sql.DB, error) {
				b, err := stable.New(mem)
				if err != nil {
					return nil, err
				}
				c, err := driver.NewConnector(":memory:"+walCheckpoints(j, "?"), driver.WithBackend(b, "main.db"), driver.WithPragma("journal_mode="+j))
				if err != nil {
					return nil, err
				}
				return sql.OpenDB(c), nil
			}
			return open, func(n int64) { mem.max += uint64(n+stable.PageSize-1) / stable.PageSize }
		}})
	}
	return out
}

// cappedMemory is an in-process memory whose maximum size can be raised.
type cappedMemory struct {
	stable.Memory
	max uint64
}

func (m *cappedMemory) Grow(n uint64) (uint64, error) {
	if old := m.Size(); old+n > m.max {
		return old, fmt.Errorf("%w (%d + %d > %d pages)", stable.ErrGrow, old, n, m.max)
	}
	return m.Memory.Grow(n)
}

func (m *cappedMemory) Apply(size uint64, writes []stable.Write) error {
	if size > m.max {
		return fmt.Errorf("%w (%d > %d pages)", stable.ErrGrow, size, m.max)
	}
	return m.Memory.(stable.Atomic).Apply(size, writes)
}

// walCheckpoints bounds a WAL in a store of a few MiB: at the default of
// 1,000 pages between checkpoints the WAL alone fills it, and a full WAL
// can neither take the frames of a DELETE nor be checkpointed into a
// database that cannot grow (as with the native SQLite).
func walCheckpoints(journal, sep string) string {
	if journal != "WAL" {
		return ""
	}
	return sep + "_pragma=wal_autocheckpoint(100)"
}

// TestFullStorage fills the storage of every backend and journal mode with
// single-row inserts: the insert that does not fit fails with SQLITE_FULL,
// every insert acknowledged before it is there after reopening (and it is
// not), the database is intact, and once a little room is made and rows
// are deleted, writes go on in the space they freed. A file system is a
// 4 MiB tmpfs (root only; skipped otherwise, except in CI); an in-process
// stable memory fills at its maximum size.
func TestFullStorage(t *testing.T) {
	ctx := context.Background()
	for _, tg := range fullTargets() {
		t.Run(strings.ReplaceAll(tg.name, " ", "_"), func(t *testing.T) {
			open, room := tg.store(t)
			db, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer func() { db.Close() }()
			db.SetMaxOpenConns(1)
			if _, err := db.Exec("create table t(id integer primary key, v blob)"); err != nil {
				t.Fatal(err)
			}
			acked := 0
			var full error
			for acked < 5000 {
				if _, err := db.ExecContext(ctx, "insert into t(v) values (randomblob(3000))"); err != nil {
					full = err
					break
				}
				acked++
			}
			if !errors.Is(full, driver.ErrFull) {
				t.Fatalf("after %d inserts: %v, want SQLITE_FULL", acked, full)
			}
			// What a new process finds.
			db.Close()
			if db, err = open(); err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			if err := integrity(ctx, db); err != nil {
				t.Fatalf("after SQLITE_FULL at insert %d: %v", acked+1, err)
			}
			var n int
			if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil || n != acked {
				t.Fatalf("%d rows after reopening, %d acknowledged (%v)", n, acked, err)
			}
			// Deleting rows makes room, and writes go on. A WAL that filled
			// the store first needs room for a checkpoint, which moves its
			// pages into the database (with the native SQLite too).
			if tg.wal {
				room(1 << 20)
				var busy, logged, moved int
				if err := db.QueryRow("pragma wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &moved); err != nil || busy != 0 {
					t.Fatalf("checkpoint after room was made: busy %d, %v", busy, err)
				}
			} else {
				room(32 << 10)
			}
			if _, err := db.Exec("delete from t where id > ?", acked-20); err != nil {
				t.Fatalf("deleting 20 rows on a full disk: %v", err)
			}
			more := 0
			for ; more < 10; more++ {
				if _, err := db.Exec("insert into t(v) values (randomblob(3000))"); err != nil {
					t.Fatalf("insert %d after deleting 20 rows: %v", more+1, err)
				}
			}
			if err := integrity(ctx, db); err != nil {
				t.Fatal(err)
			}
			t.Logf("full storage, %s: SQLITE_FULL at insert %d, %d rows kept of %d acknowledged, %d more after deleting 20: 0 lost, 0 corrupt",
				tg.name, acked+1, n, acked, more)
		})
	}
}
