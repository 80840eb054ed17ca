package file_test

import (
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/file"
	_ "github.com/stablesqlite/stablesqlite/driver"
)

// A DSN that is a path opens an ordinary SQLite file through file.Default
// (vfs=file is the default).
func Example() {
	dir, err := os.MkdirTemp("", "file-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.db")

	db, err := sql.Open("stablesqlite", path)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec("create table t(x); insert into t values ('on disk')"); err != nil {
		log.Fatal(err)
	}
	db.Close()

	// Any other SQLite reads the file as it is.
	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q, %d bytes\n", data[:16], len(data))
	// Output: "SQLite format 3\x00", 8192 bytes
}

// In WAL mode the backend keeps the -wal and -shm files beside the
// database, as native SQLite does, so that both can share the database.
func Example_wal() {
	dir, err := os.MkdirTemp("", "file-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := sql.Open("stablesqlite", filepath.Join(dir, "app.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec("create table t(x); insert into t values (1)"); err != nil {
		log.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, name := range names {
		fmt.Println(filepath.Base(name))
	}
	db.Close() // the last connection checkpoints and removes the WAL
	names, _ = filepath.Glob(filepath.Join(dir, "*"))
	fmt.Println(len(names))
	// Output:
	// app.db
	// app.db-shm
	// app.db-wal
	// 1
}

// A backend can be used directly, as SQLite uses it: a Volume's writes
// are in the file as soon as WriteAt returns.
func ExampleBackend_Open() {
	dir, err := os.MkdirTemp("", "file-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "raw.bin")

	v, _, err := file.Default.Open(path, backend.OpenReadWrite|backend.OpenCreate|backend.OpenMainDB)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	if _, err := v.WriteAt([]byte("hello"), 2); err != nil {
		log.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	fmt.Printf("%q\n", data)
	ok, _ := file.Default.Access(path, backend.AccessExists)
	fmt.Println(ok)
	// Output:
	// "\x00\x00hello"
	// true
}
