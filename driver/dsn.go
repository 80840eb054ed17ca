package driver

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
)

// uriPath escapes a file name for an SQLite URI.
func uriPath(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case '%', '?', '#':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// DefaultBusyTimeout is how long a connection waits for another one's lock
// before failing with SQLITE_BUSY, unless the DSN or a pragma says otherwise.
const DefaultBusyTimeout = 5 * time.Second

// RegisterBackend makes b available to DSNs as vfs=name (a backend that
// takes DSN parameters registers a backend.Factory with backend.Register
// instead). It panics if the name is taken, as database/sql's Register does.
func RegisterBackend(name string, b backend.Backend) {
	if b == nil {
		panic("stablesqlite: RegisterBackend called with nil for " + name)
	}
	backend.Register(name, backend.Fixed{Backend: b})
}

// config is what a DSN and Connector options decide for every connection.
type config struct {
	backend      backend.Backend // nil: a private in-memory database
	name         string          // the file name SQLite opens
	flags        backend.OpenFlags
	pragmas      []string // statements run on every new connection
	txlock       string   // BEGIN's mode: DEFERRED, IMMEDIATE or EXCLUSIVE
	busyTimeout  time.Duration
	immutable    bool     // the file cannot change: no locks, no journal
	memoryLimit  int64    // bytes; 0: the wasm default
	time         timeRule // how times are written and read
	rawValues    bool     // columns scan as stored, not by their declared type
	connectHooks []func(*Conn) error
}

// parseDSN reads a DSN (see the package documentation).
func parseDSN(dsn string) (*config, error) {
	cfg := &config{flags: backend.OpenReadWrite | backend.OpenCreate, txlock: "DEFERRED", busyTimeout: DefaultBusyTimeout, time: defaultTimeRule}
	isURI := strings.HasPrefix(dsn, "file:")
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if isURI {
		p, err := url.PathUnescape(path)
		if err != nil {
			return nil, fmt.Errorf("stablesqlite: bad DSN path %q: %w", path, err)
		}
		path = p
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("stablesqlite: bad DSN parameters %q: %w", query, err)
	}
	vfs := "file"
	memory := path == ":memory:" || path == ""
	owned := map[string]string{}  // parameters of the backends, by key
	compat := map[string]string{} // pragmas from the peers' named parameters
	loc := ""
	for key, values := range params {
		v := values[len(values)-1]
		if name, ok := compatPragmas[key]; ok {
			stmt, err := compatPragma(key, name, v)
			if err != nil {
				return nil, err
			}
			compat[name] = stmt
			continue
		}
		switch key {
		case "mode":
			switch v {
			case "ro":
				cfg.flags = backend.OpenReadOnly
			case "rw":
				cfg.flags = backend.OpenReadWrite
			case "rwc":
				cfg.flags = backend.OpenReadWrite | backend.OpenCreate
			case "memory":
				memory = true
			default:
				return nil, fmt.Errorf("stablesqlite: mode=%q: want ro, rw, rwc or memory", v)
			}
		case "vfs":
			vfs = v
		case "cache":
			if v != "private" {
				return nil, fmt.Errorf("stablesqlite: cache=%q is not supported (shared cache is off); use vfs=heap to share an in-memory database", v)
			}
		case "_pragma":
			for _, p := range values {
				stmt, err := pragmaStatement(p)
				if err != nil {
					return nil, err
				}
				cfg.pragmas = append(cfg.pragmas, stmt)
			}
		case "_txlock":
			switch strings.ToLower(v) {
			case "deferred", "immediate", "exclusive":
				cfg.txlock = strings.ToUpper(v)
			default:
				return nil, fmt.Errorf("stablesqlite: _txlock=%q: want deferred, immediate or exclusive", v)
			}
		case "_timefmt", "_time_format":
			if cfg.time, err = parseTimeFormat(v); err != nil {
				return nil, err
			}
		case "_loc":
			loc = v
		case "immutable":
			switch v {
			case "1", "true":
				cfg.immutable = true
			case "0", "false":
			default:
				return nil, fmt.Errorf("stablesqlite: immutable=%q: want 1 or 0", v)
			}
		case "_mutex":
			// mattn's threading mode: every connection here is single-threaded
			// by construction, so any value is accepted and changes nothing.
		case "_auth", "_auth_user", "_auth_pass", "_auth_crypt", "_auth_salt":
			return nil, fmt.Errorf("stablesqlite: %s: SQLite's user authentication extension is not supported", key)
		case "_busy_timeout", "_timeout":
			ms, err := strconv.Atoi(v)
			if err != nil || ms < 0 {
				return nil, fmt.Errorf("stablesqlite: _busy_timeout=%q: want milliseconds", v)
			}
			cfg.busyTimeout = time.Duration(ms) * time.Millisecond
		default:
			if len(backend.Owns(key)) == 0 {
				return nil, fmt.Errorf("stablesqlite: unknown DSN parameter %q", key)
			}
			owned[key] = v
		}
	}
	if loc != "" {
		l := time.Local
		if loc != "auto" {
			if l, err = time.LoadLocation(loc); err != nil {
				return nil, fmt.Errorf("stablesqlite: _loc=%q: %w", loc, err)
			}
		}
		cfg.time.loc = l
	}
	// The peers' pragma parameters run first, in a fixed order, then _pragma.
	var first []string
	for _, name := range compatOrder {
		if stmt, ok := compat[name]; ok {
			first = append(first, stmt)
		}
	}
	cfg.pragmas = append(first, cfg.pragmas...)
	if memory {
		if params.Has("vfs") {
			return nil, fmt.Errorf("stablesqlite: %q: a private :memory: database takes no vfs; name one, as file:/name?vfs=heap", dsn)
		}
		cfg.name = ":memory:"
		return cfg, nil
	}
	f, err := backend.Lookup(vfs)
	if err != nil {
		return nil, fmt.Errorf("stablesqlite: %w", err)
	}
	for key := range owned {
		if !slices.Contains(f.Params(), key) {
			return nil, fmt.Errorf("stablesqlite: the parameter %s belongs to vfs=%s, not vfs=%s", key, strings.Join(backend.Owns(key), ", vfs="), vfs)
		}
	}
	b, err := f.New(owned)
	if err != nil {
		return nil, fmt.Errorf("stablesqlite: vfs=%s: %w", vfs, err)
	}
	cfg.backend, cfg.name = b, path
	if vfs == "file" {
		// Journals are named after the database: keep the name absolute so
		// that a change of working directory cannot separate them.
		if cfg.name, err = filepath.Abs(path); err != nil {
			return nil, fmt.Errorf("stablesqlite: %w", err)
		}
	}
	return cfg, nil
}

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

// compatPragma checks a value the way the pragma takes it and returns the
// statement.
func compatPragma(key, name, v string) (string, error) {
	bad := fmt.Errorf("stablesqlite: %s=%q is not a valid value", key, v)
	word := strings.ToUpper(v)
	switch name {
	case "journal_mode":
		if !slices.Contains([]string{"DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF"}, word) {
			return "", bad
		}
	case "synchronous":
		if !slices.Contains([]string{"0", "1", "2", "3", "OFF", "NORMAL", "FULL", "EXTRA"}, word) {
			return "", bad
		}
	case "locking_mode":
		if word != "NORMAL" && word != "EXCLUSIVE" {
			return "", bad
		}
	case "auto_vacuum":
		if !slices.Contains([]string{"0", "1", "2", "NONE", "FULL", "INCREMENTAL"}, word) {
			return "", bad
		}
	case "secure_delete":
		if !slices.Contains([]string{"0", "1", "FAST", "ON", "OFF", "TRUE", "FALSE", "YES", "NO"}, word) {
			return "", bad
		}
	case "cache_size":
		if _, err := strconv.Atoi(v); err != nil {
			return "", bad
		}
	default: // booleans
		if !slices.Contains([]string{"0", "1", "ON", "OFF", "TRUE", "FALSE", "YES", "NO"}, word) {
			return "", bad
		}
	}
	return "PRAGMA " + name + "=" + word, nil
}

// pragmaStatement turns a _pragma value, "name(value)" or "name=value", into
// a PRAGMA statement, refusing anything that is more than one pragma.
func pragmaStatement(p string) (string, error) {
	if p == "" || strings.ContainsAny(p, ";") {
		return "", fmt.Errorf("stablesqlite: _pragma=%q: want name(value)", p)
	}
	name := p
	if i := strings.IndexAny(p, "(="); i >= 0 {
		name = p[:i]
	}
	for _, r := range name {
		if !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", fmt.Errorf("stablesqlite: _pragma=%q: bad pragma name", p)
		}
	}
	return "PRAGMA " + p, nil
}
