package shell

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// schemaCommands describe what the databases hold.
var schemaCommands = []dotCmd{
	{name: "tables", args: "?PATTERN?", help: "List names of tables and views matching a LIKE pattern", nargs: [2]int{0, 1},
		run: func(sh *shell, ctx context.Context, args []string) error {
			return sh.listNames(ctx, "type in ('table','view') and name not like 'sqlite_%' and name like ?1", pattern(args))
		}},
	{name: "indexes", args: "?TABLE?", help: "Show names of indexes on tables matching a LIKE pattern", nargs: [2]int{0, 1},
		run: func(sh *shell, ctx context.Context, args []string) error {
			return sh.listNames(ctx, "type = 'index' and tbl_name like ?1", pattern(args))
		}},
	{name: "schema", args: "?PATTERN?", help: "Show the CREATE statements matching PATTERN", nargs: [2]int{0, 1},
		run: (*shell).schema},
	{name: "databases", help: "List names and files of attached databases", nargs: [2]int{0, 0},
		run: (*shell).databases},
	{name: "dump", args: "?TABLE?", help: "Render database content as SQL (tables matching a LIKE pattern)", nargs: [2]int{0, 1},
		run: func(sh *shell, ctx context.Context, args []string) error { return sh.dump(ctx, sh.out, pattern(args)) }},
}

func pattern(args []string) string {
	if len(args) == 0 {
		return "%"
	}
	return args[0]
}

// schemaNames returns the attached databases in order: main, temp, others.
func (sh *shell) schemaNames(ctx context.Context) ([]string, error) {
	return sh.strings1(ctx, "select name from pragma_database_list order by seq")
}

// listNames prints the names of the objects of every database that match
// where (with ?1 the pattern), prefixed by their database unless main,
// sorted, in columns across 80 characters as sqlite3 does.
func (sh *shell) listNames(ctx context.Context, where, pat string) error {
	dbs, err := sh.schemaNames(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, db := range dbs {
		prefix := ""
		if db != "main" {
			prefix = db + "."
		}
		got, err := sh.strings1(ctx, "select name from "+quoteIdent(db)+".sqlite_schema where "+where, pat)
		if err != nil {
			return err
		}
		for _, n := range got {
			names = append(names, prefix+n)
		}
	}
	sort.Strings(names)
	printColumns(sh.out, names)
	return nil
}

// printColumns lays names out in columns, filled top to bottom.
func printColumns(w io.Writer, names []string) {
	if len(names) == 0 {
		return
	}
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	cols := max(80/(width+2), 1)
	rows := (len(names) + cols - 1) / cols
	for i := 0; i < rows; i++ {
		var b strings.Builder
		for j := i; j < len(names); j += rows {
			if j > i {
				b.WriteString("  ")
			}
			fmt.Fprintf(&b, "%-*s", width, names[j])
		}
		fmt.Fprintln(w, b.String())
	}
}

// schema prints the CREATE statement of every object (of every database)
// whose name or table matches the pattern; a view's columns follow it in
// a comment, and objects outside main are named with their database.
func (sh *shell) schema(ctx context.Context, args []string) error {
	dbs, err := sh.schemaNames(ctx)
	if err != nil {
		return err
	}
	for _, db := range dbs {
		type object struct{ kind, name, sql string }
		var objs []object
		q := "select type, name, sql from " + quoteIdent(db) + ".sqlite_schema where sql is not null"
		var qargs []any
		if len(args) == 1 {
			q += " and (name like ?1 or tbl_name like ?1)"
			qargs = append(qargs, args[0])
		}
		err := sh.run(ctx, q+" order by rowid", func(v []any) error {
			objs = append(objs, object{plainText(v[0], ""), plainText(v[1], ""), plainText(v[2], "")})
			return nil
		}, qargs...)
		if err != nil {
			return err
		}
		for _, o := range objs {
			sql := o.sql
			if db != "main" {
				sql = addSchema(sql, db)
			}
			if o.kind == "view" {
				sql += sh.viewColumns(ctx, db, o.name)
			}
			fmt.Fprintf(sh.out, "%s;\n", sql)
		}
	}
	return nil
}

// addSchema names the database in a CREATE statement: "CREATE TABLE t"
// becomes "CREATE TABLE temp.t".
func addSchema(sql, db string) string {
	for _, head := range []string{"CREATE TABLE ", "CREATE VIEW ", "CREATE INDEX ", "CREATE UNIQUE INDEX ", "CREATE TRIGGER ", "CREATE VIRTUAL TABLE "} {
		if len(sql) >= len(head) && strings.EqualFold(sql[:len(head)], head) {
			name := db
			if quoteIdentIfNeeded(db+"_") != db+"_" { // not a plain word ("temp" is, keyword or not)
				name = quoteIdent(db)
			}
			return sql[:len(head)] + name + "." + sql[len(head):]
		}
	}
	return sql
}

// viewColumns is the comment sqlite3 puts after a view: its columns.
func (sh *shell) viewColumns(ctx context.Context, db, view string) string {
	cols, err := sh.strings1(ctx, "select name from pragma_table_info(?1, ?2)", view, db)
	if err != nil || len(cols) == 0 {
		return ""
	}
	for i, c := range cols {
		cols[i] = quoteIdentIfNeeded(c)
	}
	return fmt.Sprintf("\n/* %s(%s) */", quoteIdentIfNeeded(view), strings.Join(cols, ","))
}

// databases prints each attached database's name, file and access.
func (sh *shell) databases(ctx context.Context, _ []string) error {
	return sh.run(ctx, "select name, file from pragma_database_list order by seq", func(v []any) error {
		name, file := plainText(v[0], ""), plainText(v[1], "")
		if file == "" {
			file = `""`
		}
		access := "r/w"
		if name == "main" && (sh.readOnly || strings.Contains(sh.dsn, "mode=ro")) {
			access = "r/o"
		}
		fmt.Fprintf(sh.out, "%s: %s %s\n", name, file, access)
		return nil
	})
}
