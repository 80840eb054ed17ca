package stablegorm

import (
	"slices"
	"testing"
)

func TestParseCreateTable(t *testing.T) {
	const ddl = "CREATE TABLE \"t\" ( -- comment, with a comma\n" +
		"`id` integer PRIMARY KEY AUTOINCREMENT,\n" +
		"\"we\"\"ird\" varchar(10, 2) DEFAULT 'a,b(' /* (, */ UNIQUE ON CONFLICT ABORT,\n" +
		"[br] text CONSTRAINT c_br CHECK (br IN ('x', 'y')),\n" +
		"check_me int,\n" +
		"CONSTRAINT `fk_t_u` FOREIGN KEY (`check_me`) REFERENCES `u`(`id`) ON DELETE CASCADE,\n" +
		"UNIQUE (br, check_me),\n" +
		"CHECK (check_me > 0)\n" +
		") WITHOUT ROWID, STRICT;"
	td, err := parseCreateTable(ddl)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, it := range td.defs {
		cols = append(cols, it.column)
	}
	if want := []string{"id", `we"ird`, "br", "check_me", "", "", ""}; !slices.Equal(cols, want) {
		t.Fatalf("columns %q, want %q", cols, want)
	}
	if td.tail != " WITHOUT ROWID, STRICT" {
		t.Errorf("tail %q", td.tail)
	}
	if td.column("CHECK_ME") != 3 || td.column("nothing") != -1 {
		t.Error("column lookup")
	}
	if td.constraint("FK_T_U") != 4 || td.constraint("c_br") != -1 || !td.hasConstraint("c_br") || td.hasConstraint("nothing") {
		t.Error("constraint lookup")
	}
	if !td.defs[0].hasWord("autoincrement") || td.defs[3].hasWord("autoincrement") {
		t.Error("hasWord")
	}
	text, ok := td.defs[1].withoutUnique()
	if !ok || text != "\"we\"\"ird\" varchar(10, 2) DEFAULT 'a,b(' /* (, */" {
		t.Errorf("withoutUnique: %v %q", ok, text)
	}
	if _, ok := td.defs[3].withoutUnique(); ok {
		t.Error("withoutUnique found one in check_me")
	}
	if !td.defs[4].mentions("check_me") || td.defs[4].mentions("br") || !td.defs[5].mentions("BR") || td.defs[3].mentions("check_me") {
		t.Error("mentions")
	}
	td.remove(5)
	if err := td.set(0, "`id` integer"); err != nil {
		t.Fatal(err)
	}
	want := "CREATE TABLE `n``ew` (`id` integer, \"we\"\"ird\" varchar(10, 2) DEFAULT 'a,b(' /* (, */ UNIQUE ON CONFLICT ABORT, " +
		"[br] text CONSTRAINT c_br CHECK (br IN ('x', 'y')), check_me int, " +
		"CONSTRAINT `fk_t_u` FOREIGN KEY (`check_me`) REFERENCES `u`(`id`) ON DELETE CASCADE, CHECK (check_me > 0)) WITHOUT ROWID, STRICT"
	if got := td.sql("n`ew"); got != want {
		t.Errorf("sql:\n%s\nwant\n%s", got, want)
	}

	for _, bad := range []string{"CREATE TABLE t AS SELECT 1", "CREATE TABLE t (a int", "CREATE TABLE t (a 'x)"} {
		if _, err := parseCreateTable(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestRenameIndexSQL(t *testing.T) {
	for in, want := range map[string]string{
		"CREATE INDEX `idx_a` ON `t`(`a`)":                         "CREATE INDEX `idx_b` ON `t`(`a`)",
		"CREATE UNIQUE INDEX IF NOT EXISTS \"x\" ON t (a) WHERE a": "CREATE UNIQUE INDEX IF NOT EXISTS `idx_b` ON t (a) WHERE a",
		"create index main.x on t(a)":                              "create index `idx_b` on t(a)",
	} {
		got, err := renameIndexSQL(in, "idx_b")
		if err != nil || got != want {
			t.Errorf("renameIndexSQL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestUnquoteDefault(t *testing.T) {
	for in, want := range map[string]string{
		"'it''s'":           "it's",
		"7":                 "7",
		"-1.5":              "-1.5",
		"1.5":               "1.5",
		"CURRENT_TIMESTAMP": "CURRENT_TIMESTAMP",
		"true":              "true",
		"X'00ff'":           "X'00ff'",
		"lower('A')":        "(lower('A'))",
		"1 + 2":             "(1 + 2)",
	} {
		if got := unquoteDefault(in); got != want {
			t.Errorf("unquoteDefault(%q) = %q, want %q", in, got, want)
		}
	}
}
