package shell

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// importCommand is .import: rows of a CSV (or separator-delimited) file
// into a table, created from the file's first row when it does not exist.
var importCommand = dotCmd{name: "import", args: importArgs,
	help: "Import data from FILE into TABLE", nargs: [2]int{2, -1}, run: (*shell).importFile}

const importArgs = "?--csv? ?--skip N? FILE TABLE"

func (sh *shell) importFile(ctx context.Context, args []string) error {
	csvMode := sh.mode.name == "csv"
	skip := 0
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--csv" || a == "-csv":
			csvMode = true
		case (a == "--skip" || a == "-skip") && i+1 < len(args):
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n < 0 {
				return fmt.Errorf("bad --skip value %q", args[i+1])
			}
			skip = n
			i++
		case strings.HasPrefix(a, "-"):
			return fmt.Errorf("unknown option %q for .import", a)
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) != 2 {
		return usageError{"Usage: .import " + importArgs}
	}
	file, table := rest[0], rest[1]
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("cannot open %q", file)
	}
	defer f.Close()
	sep := sh.mode.colSep
	if csvMode {
		sep = ","
	}
	next, err := recordReader(f, sep, sh.mode.name == "ascii" && !csvMode)
	if err != nil {
		return err
	}
	line := 0
	read := func() ([]string, error) {
		line++
		return next()
	}
	for ; skip > 0; skip-- {
		if _, err := read(); err != nil {
			return nil // the whole file was skipped
		}
	}
	exists, err := sh.strings1(ctx, "select 1 from sqlite_schema where type in ('table','view') and name = ?1", table)
	if err != nil {
		return err
	}
	var ncol int
	if len(exists) == 0 {
		header, err := read()
		if err == io.EOF {
			return fmt.Errorf("%s: empty file", file)
		}
		if err != nil {
			return err
		}
		cols := make([]string, len(header))
		for i, h := range header {
			cols[i] = quoteIdent(h) + " TEXT"
		}
		create := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s(\n%s)", quoteIdent(table), strings.Join(cols, ", "))
		if _, err := sh.conn.ExecContext(ctx, create); err != nil {
			return err
		}
		ncol = len(header)
	} else {
		names, err := sh.strings1(ctx, "select name from pragma_table_info(?1)", table)
		if err != nil {
			return err
		}
		ncol = len(names)
	}
	return sh.insertRecords(ctx, file, table, ncol, &line, read)
}

// insertRecords inserts what read returns, in one transaction; a record
// with too few fields is filled with NULLs, one with too many cut, each
// with a warning as sqlite3 gives.
func (sh *shell) insertRecords(ctx context.Context, file, table string, ncol int, line *int, read func() ([]string, error)) error {
	marks := strings.TrimSuffix(strings.Repeat("?,", ncol), ",")
	tx, err := sh.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s VALUES(%s)", quoteIdent(table), marks))
	if err != nil {
		return err
	}
	defer stmt.Close()
	vals := make([]any, ncol)
	for {
		rec, err := read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(rec) == 1 && rec[0] == "" && ncol > 1 {
			continue // a blank line
		}
		switch {
		case len(rec) < ncol:
			sh.errorf("%s:%d: expected %d columns but found %d - filling the rest with NULL\n", file, *line, ncol, len(rec))
		case len(rec) > ncol:
			sh.errorf("%s:%d: expected %d columns but found %d - extras ignored\n", file, *line, ncol, len(rec))
		}
		for i := range vals {
			vals[i] = nil
			if i < len(rec) {
				vals[i] = rec[i]
			}
		}
		if _, err := stmt.ExecContext(ctx, vals...); err != nil {
			return fmt.Errorf("%s:%d: INSERT failed: %v", file, *line, err)
		}
	}
	return tx.Commit()
}

// recordReader returns a function that reads one record at a time: CSV
// (RFC 4180, encoding/csv) with the given one-character separator, or,
// in ascii mode, fields and records split at 0x1F and 0x1E with no
// quoting.
func recordReader(r io.Reader, sep string, ascii bool) (func() ([]string, error), error) {
	if ascii {
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		records := strings.Split(strings.TrimSuffix(string(data), "\x1e"), "\x1e")
		return func() ([]string, error) {
			if len(records) == 0 || len(records) == 1 && records[0] == "" {
				return nil, io.EOF
			}
			rec := records[0]
			records = records[1:]
			return strings.Split(rec, "\x1f"), nil
		}, nil
	}
	comma, n := utf8.DecodeRuneInString(sep)
	if n == 0 || n != len(sep) {
		return nil, errors.New("the column separator must be one character for .import")
	}
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	return cr.Read, nil
}
