package shell

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"
)

// realSamples are REALs to print: special ones and random bit patterns.
func realSamples() []float64 {
	values := []float64{0.1, 0.2 + 0.1, 3, 1e15, 1e16, 1e17, 1e20, 1e-4, 1e-5, 1.0 / 3, 2.0 / 3, 123456789012345678,
		9.999999999999999e22, 1e308, 5e-324, 2.2250738585072014e-308, -1.5, -1e-10, 100, 0.5, math.MaxFloat64,
		12345.678, 1e21, 1.7976931348623157e300, math.Inf(1), math.Inf(-1), 4.35, 1 << 53, 1<<53 + 2, math.Copysign(0, -1)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		if f := math.Float64frombits(r.Uint64()); !math.IsNaN(f) {
			values = append(values, f)
		}
		values = append(values, float64(r.IntN(1e6))/float64(r.IntN(1e4)+1))
	}
	return values
}

// TestRealsPrintAsSQLiteWritesThem: REALs print as SQLite 3.54 turns them
// into text, digit for digit, in list, json and quote modes.
func TestRealsPrintAsSQLiteWritesThem(t *testing.T) {
	db, err := openDB(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmt, err := db.Prepare("select cast(?1 as text)")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range realSamples() {
		var want string
		if err := stmt.QueryRow(f).Scan(&want); err != nil {
			t.Fatal(err)
		}
		for _, got := range []string{plainText(f, ""), sqlQuote(f)} {
			if got != want {
				t.Errorf("%b prints as %s, SQLite writes %s", f, got, want)
			}
		}
	}
	r := mustRun(t, "select 1.0/3, 338.39081325301203, 0.1;\n.mode json\nselect 1.0/3 as x;\n")
	if r.stdout != "0.33333333333333332|338.39081325301203|0.1\n[{\"x\":0.33333333333333332}]\n" {
		t.Fatalf("got %q", r.stdout)
	}
}

// TestDumpRealsReadBackExactly: the text .dump gives a REAL is read back
// by SQLite 3.54 as the very same number, and keeps it a REAL.
func TestDumpRealsReadBackExactly(t *testing.T) {
	db, err := openDB(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range realSamples() {
		lit := dumpLiteral(f)
		var same int64
		var kind string
		if err := db.QueryRow("select "+lit+" = ?1, typeof("+lit+")", f).Scan(&same, &kind); err != nil {
			t.Fatal(lit, err)
		}
		if same != 1 || kind != "real" {
			t.Errorf("%b dumps as %s, which reads back as another value (%d) or a %s", f, lit, same, kind)
		}
	}
}

// TestValuesAsStored: the shell prints what SQLite stores, not the
// driver's conversions of DATETIME, BOOLEAN and TIMESTAMP columns.
func TestValuesAsStored(t *testing.T) {
	script := "create table e(at datetime, ok boolean, ts timestamp, r real);\n" +
		"insert into e values ('2026-12-01 10:00:00', 2, 1700000000, 3);\n" +
		"select * from e;\n.mode json\nselect ts, ok, at, r from e;\n"
	got := runShell(t, script)
	want := "2026-12-01 10:00:00|2|1700000000|3.0\n" +
		`[{"ts":1700000000,"ok":2,"at":"2026-12-01 10:00:00","r":3.0}]` + "\n"
	if got.stdout != want || got.code != 0 {
		t.Fatalf("got %+v, want %q", got, want)
	}
}

// TestDumpRestoredByNativeSQLite: what .dump writes, the native sqlite3
// reads back into the same content (compared as the native sqlite3
// dumps both databases, REALs to 20 digits).
func TestDumpRestoredByNativeSQLite(t *testing.T) {
	native := sqlite3cli.Path(t)
	dir := t.TempDir()
	orig, restored := filepath.Join(dir, "orig.db"), filepath.Join(dir, "restored.db")
	script := `create table t(i integer primary key, r real, s text, b blob, n);
insert into t values (1, 0.1, 'it''s', x'00ff10', null), (2, 1.0/3, 'line' || char(10) || 'two' || char(13), x'', 9223372036854775807),
  (3, 1e300, 'ünïcödé "q"', randomblob(40), -9223372036854775808), (4, -2.5e-300, '\n literally', null, 4.5),
  (5, 1e999, '', zeroblob(3), -1e999);
create table "order" ("select" text, "a b" int);
insert into "order" values ('x', 1), (NULL, NULL);
create table seq(id integer primary key autoincrement, v);
insert into seq(v) values (1), (2);
delete from seq where id = 2;
create table wr(k text primary key, v) without rowid;
insert into wr values ('b', 2), ('a', 1);
create index ti on t(s);
create view tv as select i, s from t;
create trigger tt after insert on wr begin insert into seq(v) values (new.v); end;
.output ` + filepath.Join(dir, "dump.sql") + `
.dump
`
	if r := runShell(t, script, orig); r.code != 0 || r.stderr != "" {
		t.Fatalf("building the database: %+v", r)
	}
	dump, err := os.ReadFile(filepath.Join(dir, "dump.sql"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(native, restored)
	if r := runCmd(t, cmd, string(dump)); r.code != 0 || r.stderr != "" {
		t.Fatalf("native sqlite3 reading the dump: %+v\n%s", r, dump)
	}
	nativeDump := func(path string) string {
		r := runCmd(t, exec.Command(native, path, ".dump"), "")
		if r.code != 0 {
			t.Fatalf("%+v", r)
		}
		return r.stdout
	}
	if a, b := nativeDump(orig), nativeDump(restored); a != b {
		t.Fatalf("restored content differs\noriginal:\n%s\nrestored:\n%s", a, b)
	}
	check := runCmd(t, exec.Command(native, restored, "select count(*) from t", "pragma integrity_check"), "")
	if check.stdout != "5\nok\n" {
		t.Fatalf("restored database: %+v", check)
	}
}

// TestImageCommandsCreateNothing: image layout and export read an image,
// import reads a file; none of them creates what it was asked to read.
func TestImageCommandsCreateNothing(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nosuch.img")
	noFile := filepath.Join(dir, "nosuch.db")
	for _, args := range [][]string{
		{"image", "layout", missing},
		{"image", "export", missing, "main.db", filepath.Join(dir, "out.db")},
		{"image", "import", missing, "main.db", noFile},
	} {
		if r := runShell(t, "", args...); r.code == 0 {
			t.Errorf("%q succeeded: %+v", args, r)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files created: %v", entries)
	}
	// An existing image without a redo log: layout and export leave none.
	image := filepath.Join(dir, "m.img")
	mustRun(t, "", "file:main.db?vfs=stable&image="+image, "create table t(x)", "insert into t values (1), (2)")
	// The shell's process keeps an image it opened: use a fresh image
	// file, copied, which this process has never opened.
	data, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	copyImg := filepath.Join(dir, "copy.img")
	os.WriteFile(copyImg, data, 0o644)
	r := mustRun(t, "", "image", "layout", copyImg)
	if !strings.Contains(r.stdout, "main.db") || !strings.Contains(r.stdout, "pages of 64 KiB") || !strings.Contains(r.stdout, "bytes") {
		t.Fatalf("layout: %q", r.stdout)
	}
	exported := filepath.Join(dir, "exported.db")
	mustRun(t, "", "image", "export", copyImg, "main.db", exported)
	if _, err := os.Stat(copyImg + "-redo"); err == nil {
		t.Fatal("layout or export left a redo log beside the image")
	}
	if r := runShell(t, "", "image", "export", copyImg, "nosuch.db", filepath.Join(dir, "x.db")); r.code == 0 {
		t.Fatal("exporting a missing database succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err == nil {
		t.Fatal("a failed export created its output")
	}
	if r := mustRun(t, "", exported, "select group_concat(x) from t"); r.stdout != "1,2\n" {
		t.Fatalf("exported database holds %q", r.stdout)
	}
	mustRun(t, "", "image", "import", copyImg, "copy.db", exported)
	if r := mustRun(t, "", "image", "layout", copyImg); !strings.Contains(r.stdout, "copy.db") {
		t.Fatalf("layout after import: %q", r.stdout)
	}
}

func mustRun(t *testing.T, script string, args ...string) result {
	t.Helper()
	r := runShell(t, script, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("%q: %+v", args, r)
	}
	return r
}

// TestStableStatsAndLayout: .stats and .layout on a stable memory, with
// units and explanations; on another backend they are an error.
func TestStableStatsAndLayout(t *testing.T) {
	dsn := "file:main.db?vfs=stable&memory=" + t.Name()
	r := mustRun(t, "create table t(x);\ninsert into t values (1);\n.stats\n.layout\n", dsn)
	for _, want := range []string{"last message", "all messages", "pages dirtied (4 KiB)", "the platform's charge", "extents: [first page, number of pages]", "main.db"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf(".stats/.layout lack %q:\n%s", want, r.stdout)
		}
	}
	if r := runShell(t, ".stats\n"); r.code == 0 || !strings.Contains(r.stderr, "not in a stable memory") {
		t.Fatalf(".stats on :memory:: %+v", r)
	}
}

// TestOpenBackupRestore: .backup copies to a file, .open opens it,
// .restore copies back, and .restore of a missing file creates nothing.
func TestOpenBackupRestore(t *testing.T) {
	dir := t.TempDir()
	copyDB := filepath.Join(dir, "copy.db")
	script := "create table t(x);\ninsert into t values (42);\n.backup " + copyDB + "\n" +
		"delete from t;\n.restore " + copyDB + "\nselect x from t;\n" +
		".open " + copyDB + "\nselect x + 1 from t;\n.databases\n" +
		".open --new " + copyDB + "\n.tables\n.open\ncreate table fresh(y);\n.tables\n"
	r := mustRun(t, script)
	want := "42\n43\nmain: " + copyDB + " r/w\nfresh\n"
	if r.stdout != want {
		t.Fatalf("got %q, want %q", r.stdout, want)
	}
	if r := runShell(t, ".restore "+filepath.Join(dir, "nosuch.db")+"\n"); r.code == 0 {
		t.Fatal(".restore of a missing file succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "nosuch.db")); err == nil {
		t.Fatal(".restore created the file it was to read")
	}
}

// TestReadNesting: a file that reads itself stops with an error.
func TestReadNesting(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "self.sql")
	os.WriteFile(self, []byte("select 1;\n.read "+self+"\n"), 0o644)
	r := runShell(t, ".read "+self+"\nselect 'after';\n")
	if r.code != 1 || strings.Count(r.stdout, "1\n") != 25 || !strings.HasSuffix(r.stdout, "after\n") || !strings.Contains(r.stderr, "nested more than 25 deep") {
		t.Fatalf("%+v", r)
	}
}

// TestTimerAndHelp: .timer prints a timing line; .help lists the commands.
func TestTimerAndHelp(t *testing.T) {
	r := mustRun(t, ".timer on\nselect 1;\n.timer off\nselect 2;\n")
	if !regexp.MustCompile(`^1\nRun Time: real \d+\.\d{3} user \d+\.\d{6} sys \d+\.\d{6}\n2\n$`).MatchString(r.stdout) {
		t.Fatalf(".timer: %q", r.stdout)
	}
	r = mustRun(t, ".help\n")
	for _, c := range []string{".mode", ".headers", ".nullvalue", ".separator", ".tables", ".indexes", ".schema", ".databases",
		".dump", ".import", ".read", ".open", ".backup", ".restore", ".save", ".output", ".once", ".timer", ".changes",
		".bail", ".echo", ".show", ".exit", ".quit", ".stats", ".layout", ".meter"} {
		if !strings.Contains(r.stdout, c+" ") {
			t.Errorf(".help lacks %s", c)
		}
	}
}

// TestMeter: with -meter each statement prints its instructions, the same
// counts in every run, more for more work; .meter off stops it; a database
// opened without metering refuses .meter on.
func TestMeter(t *testing.T) {
	const count = "with recursive c(i) as (select 1 union all select i+1 from c where i<%d) select count(*) from c;\n"
	script := fmt.Sprintf(count+count+count+".meter off\nselect 'off';\n", 100, 100, 10000)
	r := mustRun(t, script, "-meter")
	if again := mustRun(t, script, "-meter"); again.stdout != r.stdout {
		t.Fatalf("two runs counted differently:\n%s\n%s", r.stdout, again.stdout)
	}
	m := regexp.MustCompile(`^100\nInstructions: (\d+)   total: \d+\n100\nInstructions: (\d+)   total: \d+\n10000\nInstructions: (\d+)   total: \d+\noff\n$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("-meter: %q", r.stdout)
	}
	// The first statement also pays for what the connection sets up once.
	first, small, big := atoi(t, m[1]), atoi(t, m[2]), atoi(t, m[3])
	if small == 0 || first < small || big < 50*small {
		t.Fatalf("instructions of 100 rows %d then %d, of 10,000 rows %d", first, small, big)
	}
	r = mustRun(t, ".meter on\nselect 1;\n", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_meter=1")
	if !regexp.MustCompile(`^1\nInstructions: [1-9]\d*   total: [1-9]\d*\n$`).MatchString(r.stdout) {
		t.Fatalf("_meter=1: %q", r.stdout)
	}
	if r := runShell(t, ".meter on\nselect 1;\n"); r.code == 0 || r.stdout != "1\n" || !strings.Contains(r.stderr, "open it with -meter") {
		t.Fatalf("unmetered: %+v", r)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInterruptStopsTheStatement: interrupt (what Ctrl-C calls) cancels
// the running statement through its context; the database stays open.
func TestInterruptStopsTheStatement(t *testing.T) {
	sh := newShell(&strings.Builder{}, &strings.Builder{})
	ctx := context.Background()
	if err := sh.open(ctx, "", false); err != nil {
		t.Fatal(err)
	}
	defer sh.close()
	sh.run(ctx, "create table t(x)", func([]any) error { return nil })
	done := make(chan error)
	go func() {
		done <- sh.runSQL(ctx, "with recursive c(i) as (select 1 union all select i + 1 from c) select count(*) from c;", fromInteractive, 1)
	}()
	for !sh.interrupt() {
		// wait for the statement to start
	}
	if err := <-done; err == nil {
		t.Fatal("the endless query ended without an error")
	}
	var n int
	if err := sh.conn.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil {
		t.Fatalf("the database after the interrupt: %v", err)
	}
}

// TestParseArgs: options anywhere, values taken, unknown ones refused.
func TestParseArgs(t *testing.T) {
	o, err := parseArgs([]string{"-json", "db.sqlite", "select 1", "-cmd", ".tables", "-header", ".schema"})
	if err != nil {
		t.Fatal(err)
	}
	if o.db != "db.sqlite" || strings.Join(o.commands, "|") != "select 1|.schema" || strings.Join(o.cmds, "|") != ".tables" || len(o.settings) != 2 {
		t.Fatalf("%+v", o)
	}
	if _, err := parseArgs([]string{"-separator"}); err == nil {
		t.Fatal("-separator without a value accepted")
	}
	if r := runShell(t, "", "-version"); !strings.HasPrefix(r.stdout, "3.54.1 ") {
		t.Fatalf("-version: %+v", r)
	}
}
