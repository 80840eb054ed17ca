package shell

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// dump writes the main database (the tables matching pat, and the
// indexes, triggers and views on them) as SQL that rebuilds it, in
// sqlite3's form so that any sqlite3, 3.40 included, reads it back.
func (sh *shell) dump(ctx context.Context, w io.Writer, pat string) error {
	// One read transaction: the dump is a consistent snapshot.
	if _, err := sh.conn.ExecContext(ctx, "SAVEPOINT dump"); err != nil {
		return err
	}
	defer sh.conn.ExecContext(context.WithoutCancel(ctx), "RELEASE dump")
	fmt.Fprint(w, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
	type table struct{ name, sql string }
	var tables []table
	err := sh.run(ctx, `select name, sql from sqlite_schema
		where sql is not null and type = 'table' and name like ?1
		order by tbl_name = 'sqlite_sequence', rowid`, func(v []any) error {
		tables = append(tables, table{plainText(v[0], ""), plainText(v[1], "")})
		return nil
	}, pat)
	if err != nil {
		return err
	}
	writable := false
	for _, t := range tables {
		switch {
		case t.name == "sqlite_sequence":
			fmt.Fprintln(w, "DELETE FROM sqlite_sequence;")
		case t.name == "sqlite_stat1":
			fmt.Fprintln(w, "ANALYZE sqlite_schema;")
		case strings.HasPrefix(t.name, "sqlite_"):
			continue
		case len(t.sql) >= 20 && strings.EqualFold(t.sql[:20], "CREATE VIRTUAL TABLE"):
			// A virtual table is recreated without running its module.
			if !writable {
				fmt.Fprintln(w, "PRAGMA writable_schema=ON;")
				writable = true
			}
			fmt.Fprintf(w, "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table',%s,%s,0,%s);\n",
				quoteString(t.name), quoteString(t.name), quoteString(t.sql))
			continue
		default:
			fmt.Fprintf(w, "%s;\n", t.sql)
		}
		target := quoteIdentIfNeeded(t.name)
		err := sh.run(ctx, "select * from "+quoteIdent(t.name), func(v []any) error {
			_, err := io.WriteString(w, insertStatement(target, v, dumpLiteral))
			return err
		})
		if err != nil {
			return err
		}
	}
	err = sh.run(ctx, `select sql from sqlite_schema
		where sql is not null and type in ('index', 'trigger', 'view') and name like ?1
		order by rowid`, func(v []any) error {
		_, err := fmt.Fprintf(w, "%s;\n", plainText(v[0], ""))
		return err
	}, pat)
	if err != nil {
		return err
	}
	if writable {
		fmt.Fprintln(w, "PRAGMA writable_schema=OFF;")
	}
	_, err = fmt.Fprintln(w, "COMMIT;")
	return err
}

// dumpLiteral renders a value as SQL that reads back exactly as it is
// stored: REALs with the digits that round-trip, text with its line
// breaks spelled as char(10) and char(13), blobs in hexadecimal.
func dumpLiteral(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case float64:
		if math.IsInf(v, 1) {
			return "1e999"
		} else if math.IsInf(v, -1) {
			return "-1e999"
		}
		return formatReal(v)
	case []byte:
		return "X'" + hexString(v) + "'"
	case string:
		s := quoteString(v)
		nl, cr := strings.Contains(v, "\n"), strings.Contains(v, "\r")
		if !nl && !cr {
			return s
		}
		// The escapes must not occur in the text itself.
		nlEsc, crEsc := unusedEscape(v, `\n`), unusedEscape(v, `\r`)
		s = strings.ReplaceAll(s, "\n", nlEsc)
		s = strings.ReplaceAll(s, "\r", crEsc)
		if cr {
			s = "replace(" + s + ",'" + crEsc + "',char(13))"
		}
		if nl {
			s = "replace(" + s + ",'" + nlEsc + "',char(10))"
		}
		return s
	}
	return plainText(v, "")
}

// unusedEscape returns esc, or esc followed by a number, whichever
// first does not occur in s.
func unusedEscape(s, esc string) string {
	e := esc
	for i := 1; strings.Contains(s, e); i++ {
		e = esc + strconv.Itoa(i)
	}
	return e
}
