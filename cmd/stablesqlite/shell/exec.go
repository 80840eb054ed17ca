package shell

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stablesqlite/stablesqlite/driver"
)

// origin says where SQL came from, which decides how its errors read.
type origin int

const (
	fromArgument    origin = iota // the command line: "Error: in prepare, ..."
	fromScript                    // standard input or .read: "Parse error near line N: ..."
	fromInteractive               // the prompt: "Parse error: ..."
)

// sqlError is an error of the user's SQL, already reported; code is
// SQLite's result code (the exit status of a failed argument).
type sqlError struct{ code int }

func (e *sqlError) Error() string { return fmt.Sprintf("SQL error %d", e.code) }

// runSQL runs every statement of text in turn, printing results, and
// stops at the first error, which it reports. line is the input line
// text starts on.
func (sh *shell) runSQL(ctx context.Context, text string, from origin, line int) error {
	for {
		skip := skipTrivia(text)
		line += strings.Count(text[:skip], "\n")
		text = text[skip:]
		if text == "" {
			return nil
		}
		n, err := sh.statementEnd(text)
		if err != nil {
			return err
		}
		stmt, rest := text[:n], text
		if sh.echo {
			fmt.Fprintln(sh.out, stmt)
		}
		if stmt[0] != ';' { // not an empty statement
			if err := sh.runStatement(ctx, stmt, rest, from, line); err != nil {
				return err
			}
		}
		line += strings.Count(stmt, "\n")
		text = text[n:]
	}
}

// statementEnd returns the length of the first statement of text: up to
// the first semicolon that SQLite says completes it, or all of text.
func (sh *shell) statementEnd(text string) (int, error) {
	from := 0
	for {
		i := strings.IndexByte(text[from:], ';')
		if i < 0 {
			return len(text), nil
		}
		end := from + i + 1
		ok, err := sh.complete(text[:end])
		if err != nil {
			return 0, err
		}
		if ok {
			return end, nil
		}
		from = end
	}
}

// complete reports whether sql ends a complete statement (sqlite3_complete).
func (sh *shell) complete(sql string) (bool, error) {
	var ok bool
	err := sh.conn.Raw(func(dc any) error {
		var err error
		ok, err = dc.(*driver.Conn).Complete(sql)
		return err
	})
	return ok, err
}

// runStatement prepares and runs one statement and prints its rows; rest
// is the input from the statement on, which an error message shows.
func (sh *shell) runStatement(ctx context.Context, stmt, rest string, from origin, line int) error {
	defer sh.endStatement()
	ctx, done := sh.startStatement(ctx)
	defer done()
	start := time.Now()
	startCPU := cpuTime()
	ps, err := sh.conn.PrepareContext(ctx, stmt)
	if err != nil {
		return sh.reportSQL(err, rest, from, line, true)
	}
	defer ps.Close()
	rows, err := ps.QueryContext(ctx)
	if err != nil {
		return sh.reportSQL(err, rest, from, line, false)
	}
	err = sh.printRows(rows)
	if e := rows.Close(); err == nil {
		err = e
	}
	if err != nil {
		return sh.reportSQL(err, rest, from, line, false)
	}
	if sh.changes {
		sh.run(ctx, "select changes(), total_changes()", func(v []any) error {
			fmt.Fprintf(sh.out, "changes: %d   total_changes: %d\n", v[0], v[1])
			return nil
		})
	}
	if sh.meter {
		sh.printInstructions()
	}
	if sh.timer {
		user, sys := cpuTime().sub(startCPU)
		fmt.Fprintf(sh.out, "Run Time: real %.3f user %.6f sys %.6f\n", time.Since(start).Seconds(), user, sys)
	}
	return nil
}

// printRows renders every row of rows in the current mode.
func (sh *shell) printRows(rows *sql.Rows) error {
	var r renderer
	err := eachRow(rows, func(cols []string, vals []any) error {
		if r == nil {
			r = sh.mode.newRenderer(sh.out, cols)
		}
		return r.row(vals)
	})
	if r != nil {
		// What was printed is closed (a box's bottom), error or not.
		if end := r.end(); err == nil {
			err = end
		}
	}
	return err
}

// reportSQL prints an error of the user's SQL as sqlite3 does, with the
// place SQLite blames marked under the input text from the failing
// statement on, and returns it as a *sqlError.
func (sh *shell) reportSQL(err error, text string, from origin, line int, prepare bool) error {
	msg, code, offset := err.Error(), 1, -1
	var de *driver.Error
	if errors.As(err, &de) {
		msg, code, offset = de.Message, int(de.Code), de.Offset
	} else if errors.Is(err, context.Canceled) {
		msg, code = "interrupted", int(driver.ErrInterrupt)
	}
	if !prepare || code > 1 {
		msg = fmt.Sprintf("%s (%d)", msg, code)
	}
	var head string
	switch {
	case from == fromArgument && prepare:
		head = "Error: in prepare, "
	case from == fromArgument:
		head = "Error: stepping, "
	case prepare && from == fromScript:
		head = fmt.Sprintf("Parse error near line %d: ", line)
	case prepare:
		head = "Parse error: "
	case from == fromScript:
		head = fmt.Sprintf("Runtime error near line %d: ", line)
	default:
		head = "Runtime error: "
	}
	sh.errorf("%s%s%s\n", head, msg, errorContext(strings.TrimRight(text, " \t\r\n"), offset))
	return &sqlError{code: code}
}

// errorContext shows, under an excerpt of stmt, where offset points:
// "\n  select nosuch\n         ^--- error here" (empty if no offset).
func errorContext(stmt string, offset int) string {
	if offset < 0 || offset > len(stmt) {
		return ""
	}
	// Keep the marked place within the first 50 columns of the excerpt,
	// and the excerpt within 78 bytes, cutting between characters.
	for offset > 50 {
		offset--
		stmt = stmt[1:]
		for len(stmt) > 0 && stmt[0]&0xc0 == 0x80 {
			stmt = stmt[1:]
			offset--
		}
	}
	if len(stmt) > 78 {
		n := 78
		for n > 0 && stmt[n]&0xc0 == 0x80 {
			n--
		}
		stmt = stmt[:n]
	}
	code := []byte(stmt)
	for i, c := range code {
		if c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
			code[i] = ' '
		}
	}
	if offset < 25 {
		return fmt.Sprintf("\n  %s\n  %s^--- error here", code, strings.Repeat(" ", offset))
	}
	return fmt.Sprintf("\n  %s\n  %serror here ---^", code, strings.Repeat(" ", offset-14))
}

// skipTrivia returns the length of the white space and finished comments
// that start text.
func skipTrivia(text string) int {
	i := 0
	for i < len(text) {
		switch {
		case text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r' || text[i] == '\f':
			i++
		case strings.HasPrefix(text[i:], "--"):
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				return len(text)
			}
			i += j + 1
		case strings.HasPrefix(text[i:], "/*"):
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return i // an unfinished comment is not trivia yet
			}
			i += j + 4
		default:
			return i
		}
	}
	return i
}
