package stablegorm

import (
	"errors"
	"fmt"
	"strings"
)

// This file reads the CREATE TABLE and CREATE INDEX statements SQLite keeps
// in sqlite_master, for what SQLite has no ALTER TABLE for: changing a
// column's type or adding and dropping a constraint means creating the table
// again from its edited definition.

type tokenKind int

const (
	tokWord   tokenKind = iota // keyword, bare identifier or number
	tokQuoted                  // "identifier", `identifier` or [identifier]
	tokString                  // 'string literal'
	tokPunct                   // any other single character
)

type token struct {
	kind       tokenKind
	text       string // as written
	start, end int    // byte offsets in the statement
}

// is reports whether t is the bare keyword kw (case-insensitive).
func (t token) is(kw string) bool { return t.kind == tokWord && strings.EqualFold(t.text, kw) }

// name returns the identifier t stands for, without its quotes.
func (t token) name() string {
	switch t.kind {
	case tokQuoted:
		q := t.text[0]
		closing := q
		if q == '[' {
			return t.text[1 : len(t.text)-1]
		}
		return strings.ReplaceAll(t.text[1:len(t.text)-1], string([]byte{closing, closing}), string(closing))
	case tokString:
		return strings.ReplaceAll(t.text[1:len(t.text)-1], "''", "'")
	}
	return t.text
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// tokenize splits SQL text into tokens, dropping white space and comments.
func tokenize(sql string) ([]token, error) {
	var toks []token
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			if j := strings.IndexByte(sql[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				i = len(sql)
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			if j := strings.Index(sql[i+2:], "*/"); j >= 0 {
				i += j + 4
			} else {
				i = len(sql)
			}
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closing := c
			if c == '[' {
				closing = ']'
			}
			j := i + 1
			for {
				k := strings.IndexByte(sql[j:], closing)
				if k < 0 {
					return nil, fmt.Errorf("stablegorm: unterminated %c in %q", c, sql)
				}
				j += k + 1
				if closing != ']' && j < len(sql) && sql[j] == closing {
					j++ // doubled quote
					continue
				}
				break
			}
			kind := tokQuoted
			if c == '\'' {
				kind = tokString
			}
			toks = append(toks, token{kind: kind, text: sql[i:j], start: i, end: j})
			i = j
		case isWordByte(c):
			j := i + 1
			for j < len(sql) && isWordByte(sql[j]) {
				j++
			}
			toks = append(toks, token{kind: tokWord, text: sql[i:j], start: i, end: j})
			i = j
		default:
			toks = append(toks, token{kind: tokPunct, text: sql[i : i+1], start: i, end: i + 1})
			i++
		}
	}
	return toks, nil
}

// tableDef is a CREATE TABLE statement taken apart: its column definitions
// and table constraints, and what follows the closing parenthesis
// ("WITHOUT ROWID", "STRICT").
type tableDef struct {
	defs []tableItem
	tail string
}

// tableItem is one comma-separated definition in CREATE TABLE.
type tableItem struct {
	text   string  // as written
	toks   []token // its tokens, offsets relative to text
	column string  // the column's name; "" for a table constraint
}

var tableConstraintWords = []string{"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}

func newTableItem(text string) (tableItem, error) {
	toks, err := tokenize(text)
	if err != nil {
		return tableItem{}, err
	}
	if len(toks) == 0 {
		return tableItem{}, errors.New("stablegorm: empty definition in CREATE TABLE")
	}
	it := tableItem{text: text, toks: toks}
	for _, w := range tableConstraintWords {
		if toks[0].is(w) {
			return it, nil
		}
	}
	it.column = toks[0].name()
	return it, nil
}

// parseCreateTable takes apart the CREATE TABLE statement sql.
func parseCreateTable(sql string) (*tableDef, error) {
	toks, err := tokenize(sql)
	if err != nil {
		return nil, err
	}
	open := -1
	for i, t := range toks {
		if t.kind == tokPunct && t.text == "(" {
			open = i
			break
		}
		if t.is("AS") {
			break
		}
	}
	if open < 0 {
		return nil, fmt.Errorf("stablegorm: cannot take apart %q: no column list", sql)
	}
	td := &tableDef{}
	depth := 0
	from := toks[open].end
	for _, t := range toks[open:] {
		if t.kind != tokPunct {
			continue
		}
		switch t.text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				if err := td.add(sql[from:t.start]); err != nil {
					return nil, err
				}
				td.tail = strings.TrimRight(sql[t.end:], " \t\r\n;")
				return td, nil
			}
		case ",":
			if depth == 1 {
				if err := td.add(sql[from:t.start]); err != nil {
					return nil, err
				}
				from = t.end
			}
		}
	}
	return nil, fmt.Errorf("stablegorm: cannot take apart %q: unbalanced parentheses", sql)
}

func (td *tableDef) add(text string) error {
	it, err := newTableItem(strings.TrimSpace(text))
	if err != nil {
		return err
	}
	td.defs = append(td.defs, it)
	return nil
}

// sql returns the CREATE TABLE statement for a table named name.
func (td *tableDef) sql(name string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(quoteIdent(name))
	b.WriteString(" (")
	for i, it := range td.defs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.text)
	}
	b.WriteByte(')')
	b.WriteString(td.tail)
	return b.String()
}

// column returns the index of the definition of column name, or -1.
func (td *tableDef) column(name string) int {
	for i, it := range td.defs {
		if it.column != "" && strings.EqualFold(it.column, name) {
			return i
		}
	}
	return -1
}

// constraint returns the index of the table constraint named name, or -1.
func (td *tableDef) constraint(name string) int {
	for i, it := range td.defs {
		if it.column == "" && len(it.toks) > 1 && it.toks[0].is("CONSTRAINT") && strings.EqualFold(it.toks[1].name(), name) {
			return i
		}
	}
	return -1
}

// hasConstraint reports whether a constraint named name is declared, on the
// table or on one of its columns.
func (td *tableDef) hasConstraint(name string) bool {
	for _, it := range td.defs {
		for k := 0; k+1 < len(it.toks); k++ {
			if it.toks[k].is("CONSTRAINT") && strings.EqualFold(it.toks[k+1].name(), name) {
				return true
			}
		}
	}
	return false
}

// remove deletes the definition at index i.
func (td *tableDef) remove(i int) {
	td.defs = append(td.defs[:i:i], td.defs[i+1:]...)
}

// set replaces the definition at index i.
func (td *tableDef) set(i int, text string) error {
	it, err := newTableItem(text)
	if err != nil {
		return err
	}
	td.defs[i] = it
	return nil
}

// hasWord reports whether the bare keyword kw appears in it outside
// parentheses.
func (it tableItem) hasWord(kw string) bool {
	depth := 0
	for _, t := range it.toks {
		switch {
		case t.kind == tokPunct && t.text == "(":
			depth++
		case t.kind == tokPunct && t.text == ")":
			depth--
		case depth == 0 && t.is(kw):
			return true
		}
	}
	return false
}

// withoutUnique returns the column definition it without its UNIQUE
// column constraint (with the constraint's name and conflict clause), and
// whether there was one.
func (it tableItem) withoutUnique() (string, bool) {
	for k, t := range it.toks {
		if !t.is("UNIQUE") {
			continue
		}
		from, to := k, k+1
		if k >= 2 && it.toks[k-2].is("CONSTRAINT") {
			from = k - 2
		}
		if to+2 < len(it.toks) && it.toks[to].is("ON") && it.toks[to+1].is("CONFLICT") {
			to += 3
		}
		end := len(it.text)
		if to < len(it.toks) {
			end = it.toks[to].start
		}
		return strings.TrimSpace(it.text[:it.toks[from].start] + it.text[end:]), true
	}
	return it.text, false
}

// uniqueColumn returns the column of a one-column UNIQUE table constraint.
func (it tableItem) uniqueColumn() (string, bool) {
	toks := it.toks
	if it.column != "" {
		return "", false
	}
	if len(toks) > 2 && toks[0].is("CONSTRAINT") {
		toks = toks[2:]
	}
	if len(toks) >= 4 && toks[0].is("UNIQUE") && toks[1].text == "(" && toks[3].text == ")" &&
		(toks[2].kind == tokWord || toks[2].kind == tokQuoted) {
		return toks[2].name(), true
	}
	return "", false
}

// mentions reports whether identifier name appears in it (after its first
// token, for a column definition, which is the column's own name).
func (it tableItem) mentions(name string) bool {
	toks := it.toks
	if it.column != "" {
		toks = toks[1:]
	}
	for _, t := range toks {
		if (t.kind == tokWord || t.kind == tokQuoted) && strings.EqualFold(t.name(), name) {
			return true
		}
	}
	return false
}

// renameIndexSQL returns the CREATE INDEX statement sql with the index
// named newName.
func renameIndexSQL(sql, newName string) (string, error) {
	toks, err := tokenize(sql)
	if err != nil {
		return "", err
	}
	for k, t := range toks {
		if !t.is("INDEX") {
			continue
		}
		k++
		if k+2 < len(toks) && toks[k].is("IF") && toks[k+1].is("NOT") && toks[k+2].is("EXISTS") {
			k += 3
		}
		if k >= len(toks) {
			break
		}
		end := toks[k].end
		if k+2 < len(toks) && toks[k+1].text == "." { // schema.index
			end = toks[k+2].end
		}
		return sql[:toks[k].start] + quoteIdent(newName) + sql[end:], nil
	}
	return "", fmt.Errorf("stablegorm: cannot find the index name in %q", sql)
}
