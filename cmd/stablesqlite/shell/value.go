package shell

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// Values reach the shell as SQLite stores them (driver.WithRawValues):
// int64, float64, string, []byte or nil. This file renders them as text
// the way the sqlite3 shell of SQLite 3.54 does.

// formatReal renders f in the form SQLite gives REALs ("3.0", "0.1",
// "1.0e+20": a fractional part always, exponents outside 1e-4 to 1e17)
// with the fewest digits that read back as f. .dump uses it: its text
// must restore exactly, not look like SQLite's (see realText).
func formatReal(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case f == 0:
		return "0.0"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expText, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expText)
	var b strings.Builder
	if mant[0] == '-' {
		b.WriteByte('-')
		mant = mant[1:]
	}
	digits := strings.TrimRight(strings.Replace(mant, ".", "", 1), "0")
	switch {
	case exp < -4 || exp > 16:
		b.WriteByte(digits[0])
		b.WriteByte('.')
		if len(digits) > 1 {
			b.WriteString(digits[1:])
		} else {
			b.WriteByte('0')
		}
		b.WriteByte('e')
		if exp < 0 {
			b.WriteByte('-')
			exp = -exp
		} else {
			b.WriteByte('+')
		}
		if exp < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(exp))
	case exp < 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -exp-1))
		b.WriteString(digits)
	default:
		if len(digits) <= exp+1 {
			b.WriteString(digits)
			b.WriteString(strings.Repeat("0", exp+1-len(digits)))
			b.WriteString(".0")
		} else {
			b.WriteString(digits[:exp+1])
			b.WriteByte('.')
			b.WriteString(digits[exp+1:])
		}
	}
	return b.String()
}

// isNumber reports whether v is an INTEGER or a REAL.
func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

// blobText is what sqlite3_column_text makes of a blob: its bytes up to
// the first NUL.
func blobText(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// plainText renders v without quoting, NULL as null (the modes list,
// line, box, column, table, markdown).
func plainText(v any, null string) string {
	switch v := v.(type) {
	case nil:
		return null
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return realText(v)
	case string:
		return escapeControls(v)
	case []byte:
		return escapeControls(blobText(v))
	}
	return ""
}

// escapeControls shows control characters other than tab, newline and
// CR-LF as ^X, as sqlite3 does by default (".mode --escape ascii"), so
// that a value cannot move the terminal's cursor or change its colours.
func escapeControls(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if needsEscape(s, i) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if needsEscape(s, i) {
			b.WriteByte('^')
			b.WriteByte(s[i] + 0x40)
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func needsEscape(s string, i int) bool {
	c := s[i]
	return c < 0x20 && c != '\t' && c != '\n' && !(c == '\r' && i+1 < len(s) && s[i+1] == '\n')
}

// sqlQuote renders v as an SQL literal (the modes quote and insert).
func sqlQuote(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(escapeControls(v), "'", "''") + "'"
	case []byte:
		return "x'" + hexString(v) + "'"
	}
	return plainText(v, "")
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// csvNeedsQuote reports whether a CSV field must be quoted: it is empty,
// or holds a control character, a space, a quote, a byte outside ASCII, or
// the separator (SQLite's rule; RFC 4180 needs less, but quoting more is
// harmless to readers).
func csvNeedsQuote(s, sep string) bool {
	if s == "" {
		return true // "" tells an empty string from NULL
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '"' || c == '\'' || c >= 0x7f {
			return true
		}
	}
	return sep != "" && strings.Contains(s, sep)
}

// csvText renders v as a CSV field (the modes csv and tabs); a blob is
// written as a quoted string of octal escapes, as sqlite3 3.54 does.
func csvText(v any, null, sep string) string {
	switch v := v.(type) {
	case nil:
		return null
	case string:
		return csvField(escapeControls(v), sep)
	case []byte:
		var b strings.Builder
		b.WriteByte('"')
		for _, c := range v {
			b.WriteByte('\\')
			b.WriteByte('0' + c>>6)
			b.WriteByte('0' + (c>>3)&7)
			b.WriteByte('0' + c&7)
		}
		b.WriteByte('"')
		return b.String()
	}
	return plainText(v, null)
}

func csvField(s, sep string) string {
	if !csvNeedsQuote(s, sep) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// jsonString renders s as a JSON string.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteString(hexString([]byte{c}))
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// jsonValue renders v as a JSON value, keeping its type: a REAL stays a
// REAL (3.0, not 3), a blob becomes a string of \u00XX escapes.
func jsonValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return jsonString(v)
	case []byte:
		var b strings.Builder
		b.WriteByte('"')
		for _, c := range v {
			b.WriteString(`\u00`)
			b.WriteString(hexString([]byte{c}))
		}
		b.WriteByte('"')
		return b.String()
	case float64:
		// JSON has no infinities; SQLite reads 1e999 back as one.
		if math.IsInf(v, 1) {
			return "1e999"
		} else if math.IsInf(v, -1) {
			return "-1e999"
		}
	}
	return plainText(v, "")
}
