package shell

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestArgumentsAndTable(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"select sqlite_version()"}, nil, &out, false); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "3.54.1\n" {
		t.Fatalf("got %q", got)
	}
	out.Reset()
	err := run([]string{"create table t(a, b); insert into t values (1, 'x;y'), (22, NULL), (3, 2.0); select * from t"}, nil, &out, false)
	if err != nil {
		t.Fatal(err)
	}
	want := "a   b\n--  ----\n1   x;y\n22  NULL\n3   2.0\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestStdinDotCommandsAndFile(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "s.db")
	in := strings.NewReader("create table t(x);\ncreate trigger tr after insert on t begin\n  insert into t values(-1);\nend;\ninsert into t values(1);\n.tables\n.schema t\n.quit\nselect 'not run';\n")
	var out bytes.Buffer
	if err := run([]string{dsn}, in, &out, false); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.HasPrefix(got, "t\nCREATE TABLE t(x);\nCREATE TRIGGER tr") || strings.Contains(got, "not run") {
		t.Fatalf("got %q", got)
	}
	out.Reset()
	if err := run([]string{dsn, "select count(*) from t"}, nil, &out, false); err != nil {
		t.Fatal(err)
	}
	if out.String() != "2\n" {
		t.Fatalf("the file database has %q rows, want 2", out.String())
	}
}

func TestJSON(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"select 1 as a, 'b' as b union all select 2, null"}, nil, &out, true); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != `[{"a":1,"b":"b"},{"a":2,"b":null}]`+"\n" {
		t.Fatalf("got %q", got)
	}
}

func TestErrors(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"selec 1"}, nil, &out, false); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Fatalf("malformed SQL: %v", err)
	}
	if err := run([]string{"file:x.db?nosuch=1", "select 1"}, nil, &out, false); err == nil {
		t.Fatal("bad DSN accepted")
	}
}

func TestStableImageCommands(t *testing.T) {
	dir := t.TempDir()
	image := filepath.Join(dir, "m.img")
	dsn := "file:main.db?vfs=stable&image=" + image
	var out bytes.Buffer
	if err := run([]string{dsn, "create table t(x); insert into t values (1), (2)"}, nil, &out, false); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{dsn}, strings.NewReader("insert into t values (3);\n.stats\n.layout\n"), &out, false); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "dirtied 4K") || !strings.Contains(got, "main.db") || !strings.Contains(got, "format version 1") {
		t.Fatalf(".stats/.layout printed %q", got)
	}
	exported := filepath.Join(dir, "out.db")
	if err := runImage([]string{"export", image, "main.db", exported}, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run([]string{"file:" + exported + "?mode=ro", "select group_concat(x) from t"}, nil, &out, false); err != nil || out.String() != "1,2,3\n" {
		t.Fatalf("exported file reads %q, %v", out.String(), err)
	}
	if err := runImage([]string{"import", image, "copy.db", exported}, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runImage([]string{"layout", image}, &out); err != nil || !strings.Contains(out.String(), "copy.db") {
		t.Fatalf("layout after import: %q, %v", out.String(), err)
	}
	if err := runImage([]string{"frobnicate", image}, &out); err == nil {
		t.Fatal("unknown image subcommand accepted")
	}
	if err := run([]string{":memory:", ".stats"}, nil, &out, false); err == nil {
		t.Fatal(".stats on a non-stable database succeeded")
	}
}
