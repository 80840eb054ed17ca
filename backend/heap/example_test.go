package heap_test

import (
	"database/sql"
	"fmt"
	"log"

	"github.com/stablesqlite/stablesqlite/backend/heap"
	_ "github.com/stablesqlite/stablesqlite/driver"
)

// Every pool that opens "file:/NAME?vfs=heap" sees the same database,
// which lives in process memory until it is dropped.
func Example() {
	writer, err := sql.Open("stablesqlite", "file:/shared.db?vfs=heap")
	if err != nil {
		log.Fatal(err)
	}
	defer writer.Close()
	reader, err := sql.Open("stablesqlite", "file:/shared.db?vfs=heap")
	if err != nil {
		log.Fatal(err)
	}
	defer reader.Close()

	if _, err := writer.Exec("create table note(text); insert into note values ('written by one pool')"); err != nil {
		log.Fatal(err)
	}
	var text string
	if err := reader.QueryRow("select text from note").Scan(&text); err != nil {
		log.Fatal(err)
	}
	fmt.Println(text)
	// Output: written by one pool
}

// Export takes a consistent copy of a database as an ordinary SQLite file
// image; Import stores an image under a name.
func ExampleBackend_Export() {
	db, err := sql.Open("stablesqlite", "file:/original.db?vfs=heap")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec("create table t(x); insert into t values (1), (2), (3)"); err != nil {
		log.Fatal(err)
	}
	image, err := heap.Default.Export("/original.db")
	if err != nil {
		log.Fatal(err)
	}
	db.Close()
	if err := heap.Default.Drop("/original.db"); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", image[:16])

	if err := heap.Default.Import("/copy.db", image); err != nil {
		log.Fatal(err)
	}
	copied, err := sql.Open("stablesqlite", "file:/copy.db?vfs=heap")
	if err != nil {
		log.Fatal(err)
	}
	defer copied.Close()
	var sum int
	if err := copied.QueryRow("select sum(x) from t").Scan(&sum); err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum)
	// Output:
	// "SQLite format 3\x00"
	// 6
}
