package driver

import (
	"fmt"
	"strings"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
)

// TimeFormat is how time.Time arguments are stored: text that SQLite's date
// and time functions read, that sorts in time order for one offset, and that
// keeps the instant to the nanosecond and the offset.
const TimeFormat = "2006-01-02 15:04:05.999999999-07:00"

// timeFormats are the text forms read back into time.Time from columns
// declared DATE, DATETIME or TIMESTAMP (a trailing Z means UTC).
var timeFormats = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

type kind int

const (
	kindAny kind = iota
	kindInt
	kindFloat
	kindText
	kindBlob
	kindBool
	kindTime
)

// affinity classifies a declared type as the Go type its values scan into.
func affinity(decl string) kind {
	d := strings.ToUpper(strings.TrimSpace(decl))
	if i := strings.IndexByte(d, '('); i >= 0 {
		d = strings.TrimSpace(d[:i])
	}
	switch d {
	case "":
		return kindAny
	case "DATE", "DATETIME", "TIMESTAMP":
		return kindTime
	case "BOOLEAN", "BOOL":
		return kindBool
	}
	// SQLite's own affinity rules (section 3.1 of the datatype page).
	switch {
	case strings.Contains(d, "INT"):
		return kindInt
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return kindText
	case strings.Contains(d, "BLOB"):
		return kindBlob
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return kindFloat
	}
	return kindAny
}

func fromInt(v int64, decl string) any {
	switch affinity(decl) {
	case kindBool:
		return v != 0
	case kindTime:
		return time.Unix(v, 0).UTC()
	}
	return v
}

func fromFloat(v float64, decl string) any {
	if affinity(decl) == kindTime {
		sec := int64(v)
		return time.Unix(sec, int64((v-float64(sec))*1e9)).UTC()
	}
	return v
}

func fromText(s string, decl string) any {
	if affinity(decl) != kindTime {
		return s
	}
	t := strings.TrimSuffix(s, "Z")
	for _, f := range timeFormats {
		if tm, err := time.ParseInLocation(f, t, time.UTC); err == nil {
			return tm
		}
	}
	return s
}

// checkImage checks an SQLite file image before SQLite sees it.
func checkImage(image []byte) error {
	if err := backend.CheckImage(image); err != nil {
		return fmt.Errorf("stablesqlite: %w", err)
	}
	return nil
}
