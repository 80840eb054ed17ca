package driver

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The peers' named pragma parameters (mattn/go-sqlite3's, which modernc
// takes too), translated into the pragmas they set.

// compatPragmas maps the pragma parameters of mattn/go-sqlite3 (and their
// short forms) to the pragma each sets.
var compatPragmas = map[string]string{
	"_foreign_keys": "foreign_keys", "_fk": "foreign_keys",
	"_journal_mode": "journal_mode", "_journal": "journal_mode",
	"_synchronous": "synchronous", "_sync": "synchronous",
	"_locking_mode": "locking_mode", "_locking": "locking_mode",
	"_auto_vacuum": "auto_vacuum", "_vacuum": "auto_vacuum",
	"_case_sensitive_like": "case_sensitive_like", "_cslike": "case_sensitive_like",
	"_defer_foreign_keys": "defer_foreign_keys", "_defer_fk": "defer_foreign_keys",
	"_ignore_check_constraints": "ignore_check_constraints",
	"_recursive_triggers":       "recursive_triggers", "_rt": "recursive_triggers",
	"_query_only":    "query_only",
	"_secure_delete": "secure_delete",
	"_cache_size":    "cache_size",
}

// compatOrder is the order those pragmas run in: the ones that change how
// the database file is opened first.
var compatOrder = []string{"auto_vacuum", "locking_mode", "journal_mode", "synchronous", "cache_size",
	"foreign_keys", "defer_foreign_keys", "case_sensitive_like", "ignore_check_constraints",
	"recursive_triggers", "secure_delete", "query_only"}

// compatValues are the values each pragma takes (upper-cased); a pragma
// not listed is a boolean, and cache_size takes a number.
var compatValues = map[string][]string{
	"journal_mode":  {"DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF"},
	"synchronous":   {"0", "1", "2", "3", "OFF", "NORMAL", "FULL", "EXTRA"},
	"locking_mode":  {"NORMAL", "EXCLUSIVE"},
	"auto_vacuum":   {"0", "1", "2", "NONE", "FULL", "INCREMENTAL"},
	"secure_delete": {"0", "1", "FAST", "ON", "OFF", "TRUE", "FALSE", "YES", "NO"},
	"":              {"0", "1", "ON", "OFF", "TRUE", "FALSE", "YES", "NO"}, // booleans
}

// compatPragma checks a value the way the pragma takes it and returns the
// statement.
func compatPragma(key, name, v string) (string, error) {
	word := strings.ToUpper(v)
	var valid bool
	if name == "cache_size" {
		_, err := strconv.Atoi(v)
		valid = err == nil
	} else {
		values, ok := compatValues[name]
		if !ok {
			values = compatValues[""]
		}
		valid = slices.Contains(values, word)
	}
	if !valid {
		return "", fmt.Errorf("stablesqlite: %s=%q is not a valid value", key, v)
	}
	return "PRAGMA " + name + "=" + word, nil
}

// compatPragmas returns the statements of the peers' pragma parameters
// among params, in compatOrder, and removes those parameters from params.
func compatPragmaStatements(params map[string][]string) ([]string, error) {
	byPragma := map[string]string{}
	for key, values := range params {
		name, ok := compatPragmas[key]
		if !ok {
			continue
		}
		stmt, err := compatPragma(key, name, values[len(values)-1])
		if err != nil {
			return nil, err
		}
		byPragma[name] = stmt
		delete(params, key)
	}
	var stmts []string
	for _, name := range compatOrder {
		if stmt, ok := byPragma[name]; ok {
			stmts = append(stmts, stmt)
		}
	}
	return stmts, nil
}
