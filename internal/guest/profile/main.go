// Command profile runs a workload on a module through the driver, with
// the defaults a user gets (a file database, WAL), and writes which of the
// module's functions it calls, in the order of their first calls, for
// sqlite-build/instrument/cmd/reorder: sqlite-build/build.sh runs it as
//
//	go run ./internal/guest/profile MODULE.wasm PROFILE
//
// The functions under "start" are those a fresh process calls to open an
// existing database and run its first query; those under "later" the
// rest of the workload's (creating the database, writing, reading,
// joining, blobs, closing). The workload is deterministic (the clock and
// randomness do not change which functions run), so a rebuild writes the
// same profile.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/stablesqlite/stablesqlite/driver"
	"github.com/stablesqlite/stablesqlite/internal/guest"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: profile MODULE.wasm PROFILE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func run(module, out string) error {
	bin, err := os.ReadFile(module)
	if err != nil {
		return err
	}
	start, later, err := profile(bin)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: its functions in the order of their first calls in ./internal/guest/profile\n", filepath.Base(module))
	for _, list := range []struct {
		name  string
		funcs []uint32
	}{{"start", start}, {"later", later}} {
		fmt.Fprintln(&b, list.name)
		for _, f := range list.funcs {
			fmt.Fprintln(&b, f)
		}
	}
	fmt.Printf("profile: %d functions called to start, %d more later\n", len(start), len(later))
	return os.WriteFile(out, []byte(b.String()), 0o644)
}

// profile runs the workload on module and returns the functions a start
// calls and the others the workload calls, each in the order of their
// first calls. It can run once in a process (see guest.Profile).
func profile(module []byte) (start, later []uint32, err error) {
	calls := guest.Profile(module)
	dir, err := os.MkdirTemp("", "profile-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.db")

	if err := create(path); err != nil {
		return nil, nil, fmt.Errorf("creating the database: %w", err)
	}
	setup := calls()
	db, err := sql.Open("stablesqlite", path)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	var name string
	if err := db.QueryRow("select name from users where id = ?", 7).Scan(&name); err != nil {
		return nil, nil, fmt.Errorf("the first query: %w", err)
	}
	start = calls()
	if err := work(db); err != nil {
		return nil, nil, err
	}
	if err := db.Close(); err != nil {
		return nil, nil, err
	}
	return start, without(append(calls(), setup...), start), nil
}

// without returns the functions of list that are not in seen, each once.
func without(list, seen []uint32) []uint32 {
	skip := map[uint32]bool{}
	for _, f := range seen {
		skip[f] = true
	}
	var out []uint32
	for _, f := range list {
		if !skip[f] {
			skip[f] = true
			out = append(out, f)
		}
	}
	return out
}

// create makes the database the start opens: a schema with indices and a
// few thousand rows, written in transactions.
func create(path string) error {
	db, err := sql.Open("stablesqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := execAll(db,
		`create table users(id integer primary key, name text not null, email text unique, joined integer)`,
		`create table orders(id integer primary key, user integer not null references users(id), total real, note text)`,
		`create index orders_by_user on orders(user)`,
		`create table files(id integer primary key, name text, data blob)`,
	); err != nil {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	users, err := tx.Prepare(`insert into users(name, email, joined) values (?, ?, ?)`)
	if err != nil {
		return err
	}
	orders, err := tx.Prepare(`insert into orders(user, total, note) values (?, ?, ?)`)
	if err != nil {
		return err
	}
	for i := range 2000 {
		if _, err := users.Exec(fmt.Sprintf("user %d", i), fmt.Sprintf("u%d@example.com", i), 1_700_000_000+i); err != nil {
			return err
		}
		for j := range 3 {
			if _, err := orders.Exec(i+1, float64(i*j)/7, strings.Repeat("n", j*10)); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return db.Close()
}

// work is what a program does after its first query: writes in
// transactions, scans, joins with grouping and sorting, point queries,
// updates, deletes, blobs, a recursive query and a checkpoint.
func work(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.Prepare(`insert into orders(user, total, note) values (?, ?, ?)`)
	if err != nil {
		return err
	}
	for i := range 1000 {
		if _, err := ins.Exec(i%2000+1, float64(i)*1.5, nil); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if err := scan(db, `select id, name, email, joined from users`); err != nil {
		return err
	}
	if err := scan(db, `select u.name, count(*), sum(o.total), max(o.note) from users u join orders o on o.user = u.id
		where u.joined > ? group by u.id order by 3 desc limit 20`, 1_700_000_100); err != nil {
		return err
	}
	if err := scan(db, `select u1.name, u2.name from users u1 join orders o on o.user = u1.id
		join users u2 on u2.id = (o.id % 2000) + 1 where o.total between ? and ? order by u2.name`, 10, 20); err != nil {
		return err
	}
	q, err := db.Prepare(`select name, email from users where id = ?`)
	if err != nil {
		return err
	}
	defer q.Close()
	for i := range 500 {
		var name, email string
		if err := q.QueryRow(i*3%2000+1).Scan(&name, &email); err != nil {
			return err
		}
	}
	blob := make([]byte, 200<<10)
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	for i := range 5 {
		if _, err := db.Exec(`insert into files(name, data) values (?, ?)`, fmt.Sprintf("f%d", i), blob); err != nil {
			return err
		}
	}
	var data []byte
	if err := db.QueryRow(`select data from files where name = ?`, "f3").Scan(&data); err != nil {
		return err
	}
	return execAll(db,
		`update users set email = lower(upper(email)) || '' where id % 10 = 0`,
		`delete from orders where total < 1`,
		`select count(*), avg(length(note)), group_concat(distinct substr(name, 1, 6)) from users, orders where users.id = orders.user`,
		`with recursive c(x) as (select 1 union all select x + 1 from c limit 10000) select count(*), printf('%d', sum(x)) from c`,
		`create index users_by_joined on users(joined)`,
		`pragma wal_checkpoint(truncate)`,
	)
}

func execAll(db *sql.DB, statements ...string) error {
	for _, s := range statements {
		if _, err := db.Exec(s); err != nil {
			return fmt.Errorf("%.40s: %w", s, err)
		}
	}
	return nil
}

// scan reads every row of a query.
func scan(db *sql.DB, query string, args ...any) error {
	rows, err := db.Query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	values := make([]any, len(cols))
	for i := range values {
		values[i] = new(any)
	}
	for rows.Next() {
		if err := rows.Scan(values...); err != nil {
			return err
		}
	}
	return rows.Err()
}
