package fsys_test

import (
	"database/sql"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/file"
	"github.com/stablesqlite/stablesqlite/backend/fsys"
	_ "github.com/stablesqlite/stablesqlite/driver"
)

// countingFS is the operating system's file system, counting the syncs of
// its files.
type countingFS struct {
	fsys.FS
	syncs *atomic.Int64
}

func (c countingFS) OpenFile(name string, flag int, perm fs.FileMode) (fsys.File, error) {
	f, err := c.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return countingFile{f, c.syncs}, nil
}

type countingFile struct {
	fsys.File
	syncs *atomic.Int64
}

func (f countingFile) Sync() error {
	f.syncs.Add(1)
	return f.File.Sync()
}

// A file backend over another FS, registered under a name of its own and
// picked with vfs=: here, to count how often a commit in rollback-journal
// mode syncs.
func Example() {
	var syncs atomic.Int64
	backend.Register("counting", backend.Fixed{Backend: file.NewFS(countingFS{fsys.OS, &syncs})})

	dir, err := os.MkdirTemp("", "fsys-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("stablesqlite", "file:"+filepath.Join(dir, "app.db")+"?vfs=counting")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("create table t(x)"); err != nil {
		log.Fatal(err)
	}
	before := syncs.Load()
	if _, err := db.Exec("insert into t values (1)"); err != nil {
		log.Fatal(err)
	}
	// The journal twice (its pages, then its header), then the database,
	// as SQLite's unix VFS syncs them at synchronous=FULL.
	fmt.Println("syncs for one commit:", syncs.Load()-before)
	// Output: syncs for one commit: 3
}
