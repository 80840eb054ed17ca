package shell

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"
)

// newerCase is a script whose output sqlite3 3.54, which this shell
// follows, prints differently from Debian's sqlite3 3.40: want is 3.54's
// output and why says what changed. The test also runs the native 3.40
// and checks that it does print something else, so each case is a real
// difference and not a weakened comparison.
type newerCase struct {
	name   string
	args   []string
	script string
	want   string
	why    string
}

const newerTable = "create table t(id integer primary key, name text, qty int, price real);\n" +
	"insert into t values (1, 'apple', 3, 2.5), (2, 'pear, green', -10, 0.25), (3, 'a' || char(10) || 'b', NULL, 100.0);\n"

var newerCases = []newerCase{
	{name: "box", script: newerTable + ".mode box\nselect * from t;\n",
		why: "3.52 moved the columnar modes to the Query Result Formatter: numbers right-aligned, rounded corners, a double rule under the titles (3.40: all left-aligned, square corners)",
		want: `╭────┬─────────────┬─────┬───────╮
│ id │    name     │ qty │ price │
╞════╪═════════════╪═════╪═══════╡
│  1 │ apple       │   3 │   2.5 │
├────┼─────────────┼─────┼───────┤
│  2 │ pear, green │ -10 │  0.25 │
├────┼─────────────┼─────┼───────┤
│  3 │ a           │     │ 100.0 │
│    │ b           │     │       │
╰────┴─────────────┴─────┴───────╯
`},
	{name: "table", script: newerTable + ".mode table\nselect * from t where id < 3;\n",
		why: "numbers right-aligned in columnar modes (3.40: left-aligned)",
		want: `+----+-------------+-----+-------+
| id |    name     | qty | price |
+----+-------------+-----+-------+
|  1 | apple       |   3 |   2.5 |
|  2 | pear, green | -10 |  0.25 |
+----+-------------+-----+-------+
`},
	{name: "markdown", script: newerTable + ".mode markdown\nselect * from t where id < 3;\n",
		why: "numbers right-aligned in columnar modes (3.40: left-aligned)",
		want: `| id |    name     | qty | price |
|----|-------------|-----|-------|
|  1 | apple       |   3 |   2.5 |
|  2 | pear, green | -10 |  0.25 |
`},
	{name: "column", script: newerTable + ".mode column\nselect * from t;\n",
		why:  "column mode centres titles, right-aligns numbers, trims trailing blanks and parts rows when a value spans lines (3.40: left-aligned, padded)",
		want: "id     name      qty  price\n--  -----------  ---  -----\n 1  apple          3    2.5\n\n 2  pear, green  -10   0.25\n\n 3  a                 100.0\n    b\n"},
	{name: "line", script: newerTable + ".mode line\nselect id, name as \"long name\" from t where id < 3;\n",
		why:  "line mode writes \"name: value\" with the names right-aligned to the longest (3.40: \"name = value\", names at least five wide)",
		want: "       id: 1\nlong name: apple\n\n       id: 2\nlong name: pear, green\n"},
	{name: "qbox", script: ".mode qbox\nselect 1 as n, '10' as s, 'x' as t, NULL as z, x'4444' as b;\n",
		why: "qbox (3.54's interactive default) quotes text that reads as a number, shows NULL and blobs as SQL (3.40: only '--quote' boxes, quoting all text)",
		want: `╭───┬──────┬───┬──────┬─────────╮
│ n │  s   │ t │  z   │    b    │
╞═══╪══════╪═══╪══════╪═════════╡
│ 1 │ '10' │ x │ NULL │ x'4444' │
╰───┴──────┴───┴──────┴─────────╯
`},
	{name: "reals", script: "select 0.1 + 0.2, 1e15, 1.0 / 3, 3.0, 1e20, 1e-5;\n",
		why:  "SQLite 3.54 writes a REAL with up to 17 significant digits when 15 do not read back as the same number (its own conversion, not always the closest 17 digits), exponents from 1e17 (3.40: always 15 digits, exponents from 1e15)",
		want: "0.30000000000000004|1000000000000000.0|0.33333333333333332|3.0|1.0e+20|1.0e-05\n"},
	{name: "reals in json quote insert", script: ".mode json\nselect 0.1 as x, 3.0 as y;\n.mode quote\nselect 0.1;\n.mode insert\nselect 0.1;\n",
		why:  "json, quote and insert write REALs as SQLite converts them to text (3.40: 20 digits, 0.10000000000000000555)",
		want: "[{\"x\":0.1,\"y\":3.0}]\n0.1\nINSERT INTO \"table\" VALUES(0.1);\n"},
	{name: "blobs", script: ".mode quote\nselect x'00ff';\n.mode csv\nselect x'00ff', 'a';\n.mode json\nselect x'00ff' as b;\n",
		why:  "blobs: x'..' in quote mode (3.40: X'..'), octal escapes in csv and \\u escapes in json (3.40: the raw bytes)",
		want: "x'00ff'\n\"\\000\\377\",a\r\n[{\"b\":\"\\u0000\\u00ff\"}]\n"},
	{name: "tabs", script: ".mode tabs\nselect 'x y', 1, '';\n",
		why:  "tabs mode quotes like csv (3.40: no quoting)",
		want: "\"x y\"\t1\t\"\"\n"},
	{name: "csv option", args: []string{"-csv", "-header"}, script: "select 1 as a, 2 as b;\n",
		why:  "-csv ends rows with CRLF as .mode csv does (3.40: -csv kept LF)",
		want: "a,b\r\n1,2\r\n"},
	{name: "control characters", script: "select char(1) || 'a' || char(27) || '[31m';\n",
		why:  "control characters in text show as ^X, so a value cannot drive the terminal (3.40: written raw)",
		want: "^Aa^[[31m\n"},
	{name: "mode", script: ".mode\n.mode csv\n.mode\n",
		why:  ".mode without arguments prints the command that sets the mode (3.40: \"current output mode: list\")",
		want: ".mode list\n.mode csv\n"},
	{name: "import schema", script: ".import --csv data.csv imp\n.schema imp\n",
		why:  "SQLite 3.54 stores CREATE TABLE IF NOT EXISTS without its IF NOT EXISTS, so .schema shows CREATE TABLE",
		want: "CREATE TABLE \"imp\"(\n\"a\" TEXT, \"b c\" TEXT);\n"},
}

func TestGoldenNewer(t *testing.T) {
	native := sqlite3cli.Path(t)
	for _, c := range newerCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "data.csv"), []byte("a,b c\n1,2\n"), 0o644)
			t.Chdir(dir)
			got := runShell(t, c.script, c.args...)
			if got.stdout != c.want || got.stderr != "" || got.code != 0 {
				t.Errorf("%s\ngot:\n%s\n(stderr %q, exit %d)\nwant (sqlite3 3.54):\n%s", c.why, got.stdout, got.stderr, got.code, c.want)
			}
			cmd := exec.Command(native, c.args...)
			cmd.Dir = dir
			old := runCmd(t, cmd, c.script)
			if old.stdout == c.want {
				t.Errorf("the native sqlite3 prints the same; this case is no difference:\n%s", old.stdout)
			}
			t.Logf("%s\nsqlite3 3.40 prints:\n%s", c.why, strings.TrimSuffix(old.stdout, "\n"))
		})
	}
}
