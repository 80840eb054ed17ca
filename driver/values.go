package driver

import (
	"fmt"
	"strings"
	"time"
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

// timeRule is how a connection writes time.Time arguments and reads time
// columns (DSN _timefmt / _time_format and _loc).
type timeRule struct {
	layout string         // Go layout of the text written; "" means a unix number
	unit   time.Duration  // of unix numbers, written and read: s, ms or ns
	loc    *time.Location // times read are converted to it; nil leaves them as parsed
}

var defaultTimeRule = timeRule{layout: TimeFormat, unit: time.Second}

// parseTimeFormat reads a _timefmt value: "sqlite" (the default), "rfc3339",
// "unix", "unixmilli", "unixnano", or a Go time layout.
func parseTimeFormat(v string) (timeRule, error) {
	r := defaultTimeRule
	switch strings.ToLower(v) {
	case "", "sqlite", "auto":
	case "rfc3339":
		r.layout = time.RFC3339Nano
	case "unix":
		r.layout = ""
	case "unixmilli":
		r.layout, r.unit = "", time.Millisecond
	case "unixnano":
		r.layout, r.unit = "", time.Nanosecond
	default:
		if !strings.Contains(v, "2006") {
			return r, fmt.Errorf("stablesqlite: time format %q: want sqlite, rfc3339, unix, unixmilli, unixnano or a Go layout", v)
		}
		r.layout = v
	}
	return r, nil
}

// encode returns the value a time.Time argument is stored as.
func (r *timeRule) encode(t time.Time) any {
	if r.layout == "" {
		return t.UnixNano() / int64(r.unit)
	}
	if _, offset := t.Zone(); offset%60 != 0 {
		// The text keeps offsets in whole minutes, as SQLite reads them; a
		// zone with seconds (local mean time before 1900) is written in UTC
		// so that the instant survives.
		t = t.UTC()
	}
	return t.Format(r.layout)
}

func (r *timeRule) fromInt(v int64, k kind, bx *boxes) any {
	switch k {
	case kindBool:
		return v != 0
	case kindTime:
		return r.in(time.Unix(0, 0).Add(time.Duration(v) * r.unit).UTC())
	}
	return bx.int64(v)
}

func (r *timeRule) fromFloat(v float64, k kind, bx *boxes) any {
	if k == kindTime {
		sec := int64(v)
		return r.in(time.Unix(sec, int64((v-float64(sec))*1e9)).UTC())
	}
	return bx.float64(v)
}

func (r *timeRule) fromText(b []byte, k kind) any {
	if k != kindTime {
		return text(b)
	}
	s := string(b)
	if r.layout != "" && r.layout != TimeFormat {
		if tm, err := time.Parse(r.layout, s); err == nil {
			return r.in(tm)
		}
	}
	t := strings.TrimSuffix(s, "Z")
	for _, f := range timeFormats {
		if tm, err := time.ParseInLocation(f, t, time.UTC); err == nil {
			return r.in(tm)
		}
	}
	return s
}

func (r *timeRule) in(t time.Time) time.Time {
	if r.loc != nil {
		return t.In(r.loc)
	}
	return t
}
