package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/stablesqlite/stablesqlite/backend/heap"
	"github.com/stablesqlite/stablesqlite/driver"
)

func Example() {
	db, err := sql.Open("stablesqlite", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	// Every connection to ":memory:" has its own database: keep to one.
	db.SetMaxOpenConns(1)

	if _, err := db.Exec(`create table fruit(name text, price real);
		insert into fruit values ('apple', 0.5), ('pear', 0.75), ('fig', 1.25)`); err != nil {
		log.Fatal(err)
	}
	rows, err := db.Query("select name, price from fruit where price < ? order by price", 1.0)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var price float64
		if err := rows.Scan(&name, &price); err != nil {
			log.Fatal(err)
		}
		fmt.Println(name, price)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// apple 0.5
	// pear 0.75
}

// Errors are SQLite's: errors.Is tells the primary code or the extended
// one, and errors.As gives SQLite's message.
func Example_errors() {
	db, err := sql.Open("stablesqlite", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("create table user(email text unique); insert into user values ('ada@example.com')"); err != nil {
		log.Fatal(err)
	}
	_, err = db.Exec("insert into user values ('ada@example.com')")
	fmt.Println(errors.Is(err, driver.ErrConstraint), errors.Is(err, driver.ErrConstraintUnique))
	var e *driver.Error
	if errors.As(err, &e) {
		fmt.Println(e.Message)
	}
	// Output:
	// true true
	// UNIQUE constraint failed: user.email
}

// A Connector configures a pool in code: here a database called
// "/app.db" in a heap backend of its own, with foreign keys enforced on
// every connection.
func ExampleNewConnector() {
	mem := heap.New()
	c, err := driver.NewConnector("",
		driver.WithBackend(mem, "/app.db"),
		driver.WithPragma("foreign_keys=ON"))
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	_, err = db.Exec(`create table author(id integer primary key);
		create table book(author integer references author(id))`)
	if err != nil {
		log.Fatal(err)
	}
	_, err = db.Exec("insert into book values (42)")
	fmt.Println(errors.Is(err, driver.ErrConstraintForeignKey))
	fmt.Println(mem.Names())
	// Output:
	// true
	// [/app.db]
}

func ExampleRegisterFunction() {
	// Every connection opened from now on has shout(text).
	driver.RegisterFunction("shout", 1, driver.Deterministic, func(args []any) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("shout: want text, got %T", args[0])
		}
		return strings.ToUpper(s) + "!", nil
	})
	db, err := sql.Open("stablesqlite", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := db.QueryRow("select shout('hello')").Scan(&s); err != nil {
		log.Fatal(err)
	}
	fmt.Println(s)
	_, err = db.Exec("select shout(1)")
	fmt.Println(err)
	// Output:
	// HELLO!
	// sqlite: shout: want text, got int64 (1)
}

// OpenBlob reads and writes part of a BLOB in place, without loading or
// rewriting the whole value.
func ExampleOpenBlob() {
	ctx := context.Background()
	db, err := sql.Open("stablesqlite", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // a blob belongs to one connection
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "create table doc(body blob); insert into doc values (zeroblob(1 << 20))"); err != nil {
		log.Fatal(err)
	}
	blob, err := driver.OpenBlob(conn, "doc", "body", 1, true)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := blob.WriteAt([]byte("the end"), blob.Size()-7); err != nil {
		log.Fatal(err)
	}
	blob.Close()
	var tail string
	if err := conn.QueryRowContext(ctx, "select cast(substr(body, -7) as text) from doc").Scan(&tail); err != nil {
		log.Fatal(err)
	}
	fmt.Println(tail)
	// Output: the end
}

// Backup copies a database between any two backends: here a private
// in-memory database to a file.
func ExampleBackup() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "backup-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// sql.Open only checks the DSN, and these are valid.
	memDB, _ := sql.Open("stablesqlite", ":memory:")
	defer memDB.Close()
	fileDB, _ := sql.Open("stablesqlite", filepath.Join(dir, "saved.db"))
	defer fileDB.Close()

	src, err := memDB.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	dst, err := fileDB.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer dst.Close()

	if _, err := src.ExecContext(ctx, "create table t(x); insert into t values (1), (2), (3)"); err != nil {
		log.Fatal(err)
	}
	if err := driver.Backup(ctx, dst, src); err != nil {
		log.Fatal(err)
	}
	var sum int
	if err := dst.QueryRowContext(ctx, "select sum(x) from t").Scan(&sum); err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum)
	// Output: 6
}
