// Package shell is the stablesqlite SQL shell (see the stablesqlite
// command), a package so that a command linking in more backends can run
// the same shell.
package shell

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stablesqlite/stablesqlite/driver"
)

// Main runs the shell on the command line's arguments and exits: the
// stablesqlite command, and commands that link in more backends (such as
// backend/etcd's cmd/stablesqlite), are this one function.
func Main() {
	jsonOut := flag.Bool("json", false, "print results as JSON")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: stablesqlite [-json] [DSN] [SQL...]\n"+imageUsage)
		flag.PrintDefaults()
	}
	flag.Parse()
	run := run
	if flag.Arg(0) == "image" {
		run = func(args []string, _ io.Reader, out io.Writer, _ bool) error { return runImage(args[1:], out) }
	}
	if err := run(flag.Args(), os.Stdin, os.Stdout, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "stablesqlite:", err)
		os.Exit(1)
	}
}

// isDSN tells a DSN from SQL in the first argument.
func isDSN(arg string) bool {
	return !strings.HasPrefix(arg, ".") && !strings.ContainsAny(arg, " \t\n;")
}

func run(args []string, stdin io.Reader, stdout io.Writer, jsonOut bool) error {
	dsn := ":memory:"
	if len(args) > 0 && isDSN(args[0]) {
		dsn, args = args[0], args[1:]
	}
	db, err := sql.Open(driver.DriverName, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx) // one connection: temp tables and pragmas persist
	if err != nil {
		return err
	}
	defer conn.Close()
	sh := &shell{conn: conn, out: stdout, json: jsonOut}
	if len(args) > 0 {
		for _, a := range args {
			if err := sh.input(ctx, a+"\n"); err != nil {
				return err
			}
		}
		return sh.flush(ctx)
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	failed := false
	for sc.Scan() {
		err := sh.input(ctx, sc.Text()+"\n")
		if errors.Is(err, errQuit) {
			return nil
		}
		if err != nil {
			// Interactive-style: report and go on, but exit non-zero.
			fmt.Fprintln(os.Stderr, "error:", err)
			failed = true
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := sh.flush(ctx); err != nil {
		return err
	}
	if failed {
		return errors.New("some statements failed")
	}
	return nil
}

var errQuit = errors.New("quit")

type shell struct {
	conn    *sql.Conn
	out     io.Writer
	json    bool
	pending strings.Builder // SQL typed so far that is not yet complete
}

// input takes text (one or more lines) and runs every statement it
// completes; a dot command is recognised at the start of a statement.
func (sh *shell) input(ctx context.Context, text string) error {
	if sh.pending.Len() == 0 {
		if t := strings.TrimSpace(text); strings.HasPrefix(t, ".") {
			return sh.dot(ctx, t)
		}
	}
	// Split at every semicolon and let SQLite say where a statement really
	// ends (quotes, comments and trigger bodies hold semicolons too).
	for {
		i := strings.IndexByte(text, ';')
		if i < 0 {
			if sh.pending.Len() > 0 || strings.TrimSpace(text) != "" {
				sh.pending.WriteString(text)
			}
			return nil
		}
		sh.pending.WriteString(text[:i+1])
		text = text[i+1:]
		stmt := sh.pending.String()
		complete, err := sh.complete(stmt)
		if err != nil {
			return err
		}
		if complete {
			sh.pending.Reset()
			if err := sh.exec(ctx, stmt); err != nil {
				return err
			}
		}
	}
}

// flush runs what is left when the input ends, as if a semicolon followed.
func (sh *shell) flush(ctx context.Context) error {
	stmt := strings.TrimSpace(sh.pending.String())
	sh.pending.Reset()
	if stmt == "" {
		return nil
	}
	return sh.exec(ctx, stmt)
}

func (sh *shell) complete(sql string) (bool, error) {
	var ok bool
	err := sh.conn.Raw(func(dc any) error {
		var err error
		ok, err = dc.(*driver.Conn).Complete(sql)
		return err
	})
	return ok, err
}

func (sh *shell) dot(ctx context.Context, line string) error {
	cmd, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch cmd {
	case ".quit", ".exit":
		return errQuit
	case ".tables":
		return sh.lines(ctx, "select name from sqlite_schema where type in ('table', 'view') and name not like 'sqlite_%' order by name")
	case ".schema":
		q := "select sql || ';' from sqlite_schema where sql is not null and name not like 'sqlite_%'"
		if arg != "" {
			q += " and tbl_name = " + quote(arg)
		}
		return sh.lines(ctx, q+" order by rowid")
	case ".stats":
		return sh.stats(ctx)
	case ".layout":
		sb, err := sh.stableBackend()
		if err != nil {
			return err
		}
		printLayout(sh.out, sb)
		return nil
	case ".help":
		fmt.Fprintln(sh.out, ".tables          list tables and views\n.schema [TABLE]  show CREATE statements\n.stats           stable memory: what the last message and all of them cost\n.layout          stable memory: files and extents\n.quit            exit")
		return nil
	}
	return fmt.Errorf("unknown command %s (try .help)", cmd)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// lines prints the first column of each row of query, one per line.
func (sh *shell) lines(ctx context.Context, query string) error {
	rows, err := sh.conn.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		fmt.Fprintln(sh.out, s)
	}
	return rows.Err()
}

// exec runs one statement and prints its rows, if it has columns.
func (sh *shell) exec(ctx context.Context, stmt string) error {
	rows, err := sh.conn.QueryContext(ctx, stmt)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	var table [][]string
	var objects []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if sh.json {
			obj := make(map[string]any, len(cols))
			for i, c := range cols {
				obj[c] = jsonValue(vals[i])
			}
			objects = append(objects, obj)
		} else {
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = text(v)
			}
			table = append(table, row)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(cols) == 0 {
		return nil
	}
	if sh.json {
		if objects == nil {
			objects = []map[string]any{}
		}
		b, err := json.Marshal(objects)
		if err != nil {
			return err
		}
		fmt.Fprintln(sh.out, string(b))
		return nil
	}
	printTable(sh.out, cols, table)
	return nil
}

func jsonValue(v any) any {
	if b, ok := v.([]byte); ok {
		if utf8.Valid(b) {
			return string(b)
		}
		return fmt.Sprintf("x'%x'", b)
	}
	return v
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return fmt.Sprintf("x'%x'", v)
	case float64:
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0" // as sqlite3 prints a whole REAL
		}
		return s
	}
	return fmt.Sprint(v)
}

// printTable prints a header, a rule and the rows, columns padded to width;
// with a single column and row only the value is printed, as sqlite3 does.
func printTable(w io.Writer, cols []string, rows [][]string) {
	if len(cols) == 1 && len(rows) == 1 {
		fmt.Fprintln(w, rows[0][0])
		return
	}
	width := make([]int, len(cols))
	for i, c := range cols {
		width[i] = utf8.RuneCountInString(c)
	}
	for _, r := range rows {
		for i, v := range r {
			width[i] = max(width[i], utf8.RuneCountInString(v))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(cols)
	rule := make([]string, len(cols))
	for i := range cols {
		rule[i] = strings.Repeat("-", width[i])
	}
	line(rule)
	for _, r := range rows {
		line(r)
	}
}
