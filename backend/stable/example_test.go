package stable_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
)

// vfs=stable keeps the database in an in-process stable memory, shared by
// every pool that names the same memory.
func Example() {
	const dsn = "file:main.db?vfs=stable&memory=example"
	a, err := sql.Open("stablesqlite", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	b, err := sql.Open("stablesqlite", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	if _, err := a.Exec("create table kv(k primary key, v); insert into kv values ('answer', 42)"); err != nil {
		log.Fatal(err)
	}
	var v int
	if err := b.QueryRow("select v from kv where k = 'answer'").Scan(&v); err != nil {
		log.Fatal(err)
	}
	fmt.Println(v)
	// Output: 42
}

// New puts the backend on a Memory of one's own; its Stats count what each
// message did to the memory, as the Internet Computer would charge it.
func ExampleNew() {
	b, err := stable.New(stable.NewMemory(0))
	if err != nil {
		log.Fatal(err)
	}
	c, err := driver.NewConnector("", driver.WithBackend(b, "main.db"))
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.Exec("create table t(x)"); err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec("insert into t values (1)"); err != nil {
		log.Fatal(err)
	}
	last := b.Stats().Last // the insert: one message, no journal
	fmt.Println("commits:", last.Commits, "4 KiB pages dirtied:", last.PagesDirtied4K)
	for _, f := range b.Files() {
		fmt.Println(f.Name, f.Size)
	}
	// Output:
	// commits: 1 4 KiB pages dirtied: 2
	// main.db 8192
}

// A message lands whole when its function returns nil, and not at all when
// it returns an error: the memory is as the last message left it.
func ExampleMessage() {
	ctx := context.Background()
	db, err := sql.Open("stablesqlite", "file:main.db?vfs=stable&memory=example-message")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "create table account(balance int); insert into account values (100)"); err != nil {
		log.Fatal(err)
	}

	errRefused := errors.New("payment refused")
	err = stable.Message(ctx, conn, func(c *sql.Conn) error {
		if _, err := c.ExecContext(ctx, "update account set balance = balance - 30"); err != nil {
			return err
		}
		return errRefused // a trap: the update is dropped
	})
	fmt.Println(err)
	var balance int
	if err := conn.QueryRowContext(ctx, "select balance from account").Scan(&balance); err != nil {
		log.Fatal(err)
	}
	fmt.Println(balance)
	// Output:
	// payment refused
	// 100
}

// An Image keeps the memory in a file that survives restarts: here two
// runs of a program, the second of which finds what the first wrote.
func ExampleOpenImage() {
	dir, err := os.MkdirTemp("", "stable-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "stable.img")

	for run := 1; run <= 2; run++ {
		img, err := stable.OpenImage(path, 0) // created empty if missing
		if err != nil {
			log.Fatal(err)
		}
		b, err := stable.New(img) // formats an empty memory
		if err != nil {
			log.Fatal(err)
		}
		c, err := driver.NewConnector("", driver.WithBackend(b, "main.db"))
		if err != nil {
			log.Fatal(err)
		}
		db := sql.OpenDB(c)
		_, err = db.Exec("create table if not exists run(n); insert into run values (?)", run)
		var runs int
		if err == nil {
			err = db.QueryRow("select count(*) from run").Scan(&runs)
		}
		db.Close()
		img.Close() // after the last connection
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("runs recorded:", runs)
	}
	// Output:
	// runs recorded: 1
	// runs recorded: 2
}
