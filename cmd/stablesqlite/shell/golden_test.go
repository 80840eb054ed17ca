package shell

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"
)

// prelude makes the tables the golden scripts query. It holds no REAL
// whose text differs between sqlite3 3.40 and 3.54 (see TestGoldenNewer).
const prelude = `create table t(id integer primary key, name text, qty int, price real, note);
insert into t values (1, 'apple', 3, 2.5, NULL), (2, 'pear, green', -10, 0.25, 'it''s'),
  (3, 'quote"d', 0, 100.0, 'héllo'), (4, '', 7, 1e20, 'tab	x');
create table u(a unique, b);
create index ub on u(b);
create view v as select id, name, qty * 2 as double from t;
`

// goldenCase is a script that this shell and the native sqlite3 must
// print alike (standard output, standard error and exit status).
type goldenCase struct {
	name   string
	args   []string // before the database argument "g.db"
	after  []string // after it
	script string
}

var goldenCases = []goldenCase{
	{name: "list", script: "select * from t;\n.headers on\nselect name, qty from t where qty > 0;\n"},
	{name: "list nullvalue separator", script: ".nullvalue <null>\n.separator ; //\nselect id, note from t where id < 3;\n"},
	{name: "csv", script: ".mode csv\n.headers on\nselect id, name, qty, note from t;\n"},
	{name: "tabs", script: ".mode tabs\nselect id, qty from t;\n"},
	{name: "quote", script: ".mode quote\n.headers on\nselect id, name, note, price from t where id < 4;\n"},
	{name: "insert", script: ".mode insert newt\nselect id, name, note from t;\n.mode insert\nselect 1, 'x';\n"},
	{name: "json", args: []string{"-json"}, script: "select id, name, qty, note from t;\nselect 'a\"b\\c' as \"k\"\"ey\", null as n, -5 as i;\nselect 1 where 0;\n"},
	{name: "ascii", script: ".mode ascii\nselect id, name from t where id < 3;\n"},
	{name: "tables indexes", script: "create table b(x integer primary key autoincrement);\ncreate table c(z unique);\nattach ':memory:' as aux;\ncreate table aux.q(w);\ncreate temp table tt(k);\n.tables\n.tables %a%\n.tables u\n.indexes\n.indexes u%\n"},
	{name: "schema", script: "create table b(x integer primary key autoincrement);\ninsert into b(x) values(null);\ncreate trigger tr after insert on u begin select 1; end;\ncreate view w(a, \"b c\") as select 1, 2;\ncreate temp table tt(k);\n.schema\n.schema u\n.schema v\n"},
	{name: "databases", script: "attach ':memory:' as aux;\n.databases\n"},
	{name: "dump", script: "create table b(x integer primary key autoincrement);\ninsert into b(x) values(null), (null);\ncreate trigger tr after insert on u begin select 1; end;\ninsert into u values ('a' || char(10) || 'b', x'00ff'), ('c' || char(13) || char(10), 'd');\n.dump\n.dump u%\n"},
	{name: "import csv", script: ".import --csv data.csv imp\nselect *, typeof(c) from imp;\n.import --csv --skip 1 data.csv imp\nselect count(*) from imp;\n.import --csv short.csv u\nselect * from u;\n"},
	{name: "import list", script: ".import pipe.txt p\n.headers on\nselect * from p;\n"},
	{name: "read output once", script: ".read sub.sql\n.output out.txt\nselect 'to the file';\n.output\nselect 'back';\n.once once.txt\nselect 'once';\nselect 'after once';\n.read out.txt\n"},
	{name: "show", script: ".show\n.headers on\n.mode csv\n.nullvalue NIL\n.separator ;\n.echo on\n.show\n"},
	{name: "changes echo", script: ".changes on\ninsert into u values (1, 2), (3, 4);\nupdate u set b = b + 1;\n.changes off\n.echo on\nselect count(*) from u;\n.echo off\n"},
	{name: "errors", script: "selec 1;\nselect nosuch from t;\ninsert into u values (1, 1);\ninsert into u values (1, 1);\nselect 'still here';\n.nosuchcommand\nselect\n  1 +\n  nosuch;\nselect 1; select x; select 3;\n"},
	{name: "long error line", script: "select 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, nosuch, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30 from t;\n"},
	{name: "bail", args: []string{"-bail"}, script: "select 1;\nselect nosuch from t;\nselect 2;\n"},
	{name: "bail command", script: ".bail on\nselect nosuch from t;\nselect 2;\n"},
	{name: "exit", script: "select 1;\n.exit 3\nselect 2;\n"},
	{name: "quit", script: "select 1;\n.quit\nselect 2;\n"},
	{name: "incomplete", script: "select 1;\ncreate trigger x after insert on t begin\n"},
	{name: "comments", script: "-- a comment\nselect 1; -- trailing\n/* block\n comment */ select 2;\n;\nselect ';' as semi\n;\n"},
	{name: "arguments", after: []string{"select 1", ".tables", "select count(*) from t; select 2"}},
	{name: "argument options anywhere", after: []string{"-json", "select 1 as a", "-header"}},
	{name: "argument error stops", after: []string{"select 1", "select nosuch from t", "select 2"}},
	{name: "argument runtime error", after: []string{"insert into u values (1, 1), (1, 1)"}},
	{name: "argument dot error", after: []string{".nosuch", "select 2"}},
	{name: "cmd", args: []string{"-cmd", ".mode csv", "-cmd", "select 'c' as x"}, after: []string{"select 1, 2"}},
	{name: "readonly", args: []string{"-readonly"}, after: []string{"select count(*) from t", "insert into t(id) values (99)"}},
	{name: "unknown option", args: []string{"-nosuchoption"}},
}

func TestGoldenAgainstNativeSQLite(t *testing.T) {
	sqlite3cli.Path(t)
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			args := append(append(append([]string{}, c.args...), "g.db"), c.after...)
			ours := runIn(t, c, func(dir string) result {
				t.Chdir(dir)
				return runShell(t, c.script, args...)
			})
			native := runIn(t, c, func(dir string) result {
				cmd := exec.Command(sqlite3cli.Path(t), args...)
				cmd.Dir = dir
				return runCmd(t, cmd, c.script)
			})
			// The programs' names differ in their own messages.
			native.stderr = strings.ReplaceAll(native.stderr, sqlite3cli.Path(t)+": ", "stablesqlite: ")
			if ours != native {
				t.Errorf("script %q args %q %q\nours:\n%s\n---stderr:\n%s\n---exit %d\nnative sqlite3:\n%s\n---stderr:\n%s\n---exit %d",
					c.script, c.args, c.after, ours.stdout, ours.stderr, ours.code, native.stdout, native.stderr, native.code)
			}
		})
	}
}

// runIn makes a directory holding the database g.db, made by the native
// sqlite3 from the prelude, and the files the scripts read, and runs fn
// in it.
func runIn(t *testing.T, c goldenCase, fn func(dir string) result) (r result) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"data.csv":  "a,b c,c\n1,x y,\n2,\"q\"\"t\",3\n",
		"short.csv": "5,6\n7\n8,9,10\n",
		"pipe.txt":  "h1|h2\nv1|v2\n",
		"sub.sql":   "select 'from sub';\n.mode csv\nselect 1, 'a b';\n.mode list\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(sqlite3cli.Path(t), filepath.Join(dir, "g.db"))
	if r := runCmd(t, cmd, prelude); r.code != 0 || r.stderr != "" {
		t.Fatalf("prelude: %+v", r)
	}
	r = fn(dir)
	// Each run has a directory of its own, which .databases names.
	r.stdout = strings.ReplaceAll(r.stdout, dir, "DIR")
	return r
}

func runCmd(t *testing.T, cmd *exec.Cmd, stdin string) result {
	t.Helper()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errOut.String(), code}
}
