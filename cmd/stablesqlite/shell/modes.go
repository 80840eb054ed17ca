package shell

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// outputMode is one of sqlite3's output modes and its settings.
type outputMode struct {
	name     string // list, csv, tabs, json, line, box, table, markdown, column, insert, quote, qbox, ascii
	colSep   string // list-like modes
	rowSep   string
	table    string // insert: the table named in the statements
	headers  bool   // list-like modes: print a header line
	nullText string // how NULL shows where the mode does not fix it
}

// modeNames lists the modes .mode accepts, for its error message.
var modeNames = []string{"ascii", "box", "column", "csv", "insert", "json", "line", "list", "markdown", "qbox", "quote", "table", "tabs"}

// setMode switches to the named mode, resetting the separators to the
// mode's own (as sqlite3 does); headers and the null text are kept.
func (m *outputMode) setMode(name, table string) error {
	switch name {
	case "list":
		m.colSep, m.rowSep = "|", "\n"
	case "csv":
		m.colSep, m.rowSep = ",", "\r\n"
	case "tabs":
		m.colSep, m.rowSep = "\t", "\n"
	case "quote":
		m.colSep, m.rowSep = ",", "\n"
	case "ascii":
		m.colSep, m.rowSep = "\x1f", "\x1e"
	case "insert":
		if table == "" {
			table = "table"
		}
		m.table = table
	case "json", "line", "box", "table", "markdown", "column", "qbox":
	default:
		return fmt.Errorf("mode should be one of: %s", strings.Join(modeNames, " "))
	}
	m.name = name
	return nil
}

// describe is what ".mode" with no argument prints.
func (m *outputMode) describe() string {
	if m.name == "insert" {
		return ".mode insert " + quoteIdentIfNeeded(m.table)
	}
	return ".mode " + m.name
}

// renderer prints the rows of one statement.
type renderer interface {
	row(vals []any) error
	end() error
}

// newRenderer returns the renderer of the mode for a result with the
// given column names.
func (m *outputMode) newRenderer(w io.Writer, cols []string) renderer {
	switch m.name {
	case "line":
		return &lineRenderer{w: w, cols: cols, null: m.nullText}
	case "json":
		return &jsonRenderer{w: w, cols: cols}
	case "insert":
		return &insertRenderer{w: w, table: m.table}
	case "box", "table", "markdown", "column", "qbox":
		return newColumnar(w, m.name, cols, m.nullText)
	}
	return &listRenderer{w: w, mode: m, cols: cols}
}

// listRenderer prints the separator-delimited modes: list, csv, tabs,
// quote and ascii.
type listRenderer struct {
	w       io.Writer
	mode    *outputMode
	cols    []string
	started bool
}

func (r *listRenderer) cell(v any) string {
	switch r.mode.name {
	case "csv", "tabs":
		return csvText(v, r.mode.nullText, r.mode.colSep)
	case "quote":
		return sqlQuote(v)
	}
	return plainText(v, r.mode.nullText)
}

func (r *listRenderer) header(name string) string {
	switch r.mode.name {
	case "csv", "tabs":
		return csvField(name, r.mode.colSep)
	case "quote":
		return sqlQuote(name)
	}
	return name
}

func (r *listRenderer) row(vals []any) error {
	var b strings.Builder
	if !r.started && r.mode.headers {
		for i, c := range r.cols {
			if i > 0 {
				b.WriteString(r.mode.colSep)
			}
			b.WriteString(r.header(c))
		}
		b.WriteString(r.mode.rowSep)
	}
	r.started = true
	for i, v := range vals {
		if i > 0 {
			b.WriteString(r.mode.colSep)
		}
		b.WriteString(r.cell(v))
	}
	b.WriteString(r.mode.rowSep)
	_, err := io.WriteString(r.w, b.String())
	return err
}

func (r *listRenderer) end() error { return nil }

// lineRenderer prints one "name: value" line per column, the names
// right-aligned, and a blank line between rows (sqlite3 3.54; 3.40
// printed "name = value" with the names at least five wide).
type lineRenderer struct {
	w     io.Writer
	cols  []string
	null  string
	width int
	rows  int
}

func (r *lineRenderer) row(vals []any) error {
	if r.rows == 0 {
		for _, c := range r.cols {
			r.width = max(r.width, displayWidth(c))
		}
	}
	var b strings.Builder
	if r.rows > 0 {
		b.WriteByte('\n')
	}
	r.rows++
	for i, v := range vals {
		b.WriteString(strings.Repeat(" ", r.width-displayWidth(r.cols[i])))
		b.WriteString(r.cols[i])
		b.WriteString(": ")
		lines := strings.Split(plainText(v, r.null), "\n")
		for j, l := range lines {
			if j > 0 {
				b.WriteString(strings.Repeat(" ", r.width+2))
			}
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(r.w, b.String())
	return err
}

func (r *lineRenderer) end() error { return nil }

// jsonRenderer prints an array of objects, one per row and one row per
// line, keys in column order and values with their SQLite types.
type jsonRenderer struct {
	w    io.Writer
	cols []string
	rows int
}

func (r *jsonRenderer) row(vals []any) error {
	var b strings.Builder
	if r.rows == 0 {
		b.WriteString("[{")
	} else {
		b.WriteString("},\n{")
	}
	r.rows++
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(r.cols[i]))
		b.WriteByte(':')
		b.WriteString(jsonValue(v))
	}
	_, err := io.WriteString(r.w, b.String())
	return err
}

func (r *jsonRenderer) end() error {
	if r.rows == 0 {
		return nil
	}
	_, err := io.WriteString(r.w, "}]\n")
	return err
}

// insertRenderer prints one INSERT statement per row.
type insertRenderer struct {
	w     io.Writer
	table string
}

func (r *insertRenderer) row(vals []any) error {
	_, err := io.WriteString(r.w, insertStatement(quoteIdentIfNeeded(r.table), vals, sqlQuote))
	return err
}

func (r *insertRenderer) end() error { return nil }

// insertStatement is "INSERT INTO table VALUES(...);\n", each value
// written by literal (the insert mode and .dump write some values
// differently).
func insertStatement(table string, vals []any, literal func(any) string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" VALUES(")
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(literal(v))
	}
	b.WriteString(");\n")
	return b.String()
}

// quoteIdent quotes an identifier for SQL.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteIdentIfNeeded quotes s unless it is a plain identifier that is not
// a keyword.
func quoteIdentIfNeeded(s string) string {
	if s == "" || isKeyword(s) {
		return quoteIdent(s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return quoteIdent(s)
		}
	}
	return s
}

// quoteString quotes s as an SQL string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// unquoteSep reads a separator given to .separator or -separator, where
// sqlite3 accepts C escapes such as \t and \n.
func unquoteSep(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	if u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`); err == nil {
		return u
	}
	return s
}
