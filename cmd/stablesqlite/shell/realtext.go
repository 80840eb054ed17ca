package shell

import (
	"database/sql"
	"sync"
)

// SQLite turns a REAL into text with its own decimal conversion, which is
// neither Go's shortest form nor correctly rounded in the last digit:
// 1.0/3 prints as 0.33333333333333332 (exactly, ...31), and 338.39081325301203
// keeps 17 digits where 15 would read back. To print REALs as sqlite3 3.54
// does, the shell asks the SQLite it runs, on a private in-memory
// connection, and remembers recent answers.

var reals struct {
	sync.Mutex
	db   *sql.DB
	stmt *sql.Stmt
	memo map[float64]string
	err  error
}

// realText returns SQLite's text for f (CAST(f AS TEXT)).
func realText(f float64) string {
	reals.Lock()
	defer reals.Unlock()
	if s, ok := reals.memo[f]; ok && f != 0 { // 0.0 and -0.0 are one key
		return s
	}
	if reals.stmt == nil && reals.err == nil {
		reals.db, reals.err = openDB(":memory:")
		if reals.err == nil {
			reals.db.SetMaxOpenConns(1)
			reals.stmt, reals.err = reals.db.Prepare("select cast(?1 as text)")
		}
	}
	if reals.err != nil {
		return formatReal(f) // cannot happen unless SQLite cannot start
	}
	var s string
	if err := reals.stmt.QueryRow(f).Scan(&s); err != nil {
		return formatReal(f)
	}
	if len(reals.memo) >= 1<<14 {
		reals.memo = nil
	}
	if reals.memo == nil {
		reals.memo = make(map[float64]string)
	}
	reals.memo[f] = s
	return s
}
