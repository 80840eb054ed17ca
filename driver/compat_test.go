package driver_test

import (
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/driver"
)

// The peers' DSN parameters mean what they mean there.
func TestPeerDSNParameters(t *testing.T) {
	dir := t.TempDir()
	db := open(t, filepath.Join(dir, "p.db")+"?_fk=1&_journal_mode=WAL&_sync=NORMAL&_timeout=2500&_cslike=true&_rt=on&_cache_size=-4000&_mutex=no&cache=private")
	var fk, sync, busy, cache int
	var mode string
	err := db.QueryRow("select * from pragma_foreign_keys, pragma_journal_mode, pragma_synchronous, pragma_busy_timeout, pragma_cache_size").Scan(&fk, &mode, &sync, &busy, &cache)
	if err != nil {
		t.Fatal(err)
	}
	if fk != 1 || mode != "wal" || sync != 1 || busy != 2500 || cache != -4000 {
		t.Fatalf("foreign_keys %d, journal_mode %s, synchronous %d, busy_timeout %d, cache_size %d", fk, mode, sync, busy, cache)
	}
	var like int
	if err := db.QueryRow("select 'a' like 'A'").Scan(&like); err != nil || like != 0 {
		t.Fatalf("case_sensitive_like: %d, %v", like, err)
	}
	for _, dsn := range []string{
		"x.db?_fk=maybe",
		"x.db?_journal_mode=sideways",
		"x.db?_auth&_auth_user=admin",
		"x.db?_timefmt=nonsense",
		"x.db?_loc=Nowhere/Special",
		"x.db?immutable=2",
	} {
		if db, err := sql.Open("stablesqlite", dsn); err == nil {
			db.Close()
			t.Errorf("%s accepted", dsn)
		}
	}
}

func TestImmutable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd#name.db")
	w := open(t, path)
	mustExec(t, w, "create table t(x); insert into t values (7)")
	w.Close()
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	db := open(t, "file:"+path+"?immutable=1")
	var x int
	if err := db.QueryRow("select x from t").Scan(&x); err != nil || x != 7 {
		t.Fatalf("immutable read: %d, %v", x, err)
	}
	if _, err := db.Exec("insert into t values (8)"); err == nil {
		t.Fatal("wrote to an immutable database")
	}
}

// Time arguments in each format, read back from a DATETIME column as the
// same instant, in the _loc location when one is set.
func TestTimeFormats(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	at := time.Date(2026, 11, 22, 8, 15, 32, 123456789, time.FixedZone("X", -3*3600))
	for _, tc := range []struct {
		format    string
		precision time.Duration
		stored    string // typeof() of the stored value
	}{
		{"sqlite", time.Nanosecond, "text"},
		{"rfc3339", time.Nanosecond, "text"},
		{"unix", time.Second, "integer"},
		{"unixmilli", time.Millisecond, "integer"},
		{"unixnano", time.Nanosecond, "integer"},
		{"2006-01-02T15:04:05.000Z07:00", time.Millisecond, "text"},
	} {
		db := open(t, ":memory:?_timefmt="+tc.format+"&_loc=Asia/Tokyo")
		db.SetMaxOpenConns(1)
		mustExec(t, db, "create table t(at datetime)")
		mustExec(t, db, "insert into t values (?)", at)
		var got time.Time
		var typ string
		if err := db.QueryRow("select at, typeof(at) from t").Scan(&got, &typ); err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		if !got.Equal(at.Truncate(tc.precision)) || got.Location().String() != tokyo.String() || typ != tc.stored {
			t.Errorf("%s: stored as %s, read back %v (%v), want %v in Asia/Tokyo", tc.format, typ, got, got.Location(), at.Truncate(tc.precision))
		}
	}
	// An offset with seconds (New York's local mean time) keeps the instant.
	lmt := time.Date(1850, 1, 1, 12, 0, 0, 0, time.FixedZone("LMT", -(4*3600+56*60+2)))
	odb := open(t, ":memory:")
	odb.SetMaxOpenConns(1)
	mustExec(t, odb, "create table t(at datetime)")
	mustExec(t, odb, "insert into t values (?)", lmt)
	var back time.Time
	if err := odb.QueryRow("select at from t").Scan(&back); err != nil || !back.Equal(lmt) {
		t.Fatalf("offset with seconds: %v, want %v (%v)", back, lmt, err)
	}
	// SQLite's own functions read the default format, and DATE columns too.
	db := open(t, ":memory:")
	var day time.Time
	if err := db.QueryRow("select cast(date(?) as text)", at).Scan(new(string)); err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	mustExec(t, db, "create table d(day date)")
	mustExec(t, db, "insert into d values ('2026-11-22')")
	if err := db.QueryRow("select day from d").Scan(&day); err != nil || !day.Equal(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("DATE column: %v, %v", day, err)
	}
	// The localtime modifier uses the process's time zone.
	var local string
	if err := db.QueryRow("select datetime(?, 'unixepoch', 'localtime')", at.Unix()).Scan(&local); err != nil {
		t.Fatal(err)
	}
	_ = errors.Is
	_ = driver.ErrError
	if want := at.Local().Format("2006-01-02 15:04:05"); local != want {
		t.Fatalf("localtime: %q, want %q", local, want)
	}
}

// FuzzDSN parses arbitrary DSNs: an error or a connector, never a panic.
// DSNs that may name a stable image are left out: opening the connector
// creates the image file.
func FuzzDSN(f *testing.F) {
	for _, dsn := range []string{
		"app.db", ":memory:", "file:app.db?mode=ro&cache=shared&_pragma=foreign_keys(1)",
		"file:x?vfs=heap&_busy_timeout=5000&_journal_mode=WAL&_txlock=immediate",
		"file:main.db?vfs=stable&memory=m&_timefmt=rfc3339&_loc=auto",
		"file:%zz?_pragma=", "file:x?_pragma=busy_timeout(1)&_pragma=busy_timeout(2)",
	} {
		f.Add(dsn)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		if unescaped, _ := url.QueryUnescape(dsn); strings.Contains(strings.ToLower(dsn+unescaped), "image") {
			t.Skip("would create an image file")
		}
		c, err := (&driver.Driver{}).OpenConnector(dsn)
		if err == nil && c == nil {
			t.Fatal("no connector and no error")
		}
	})
}
