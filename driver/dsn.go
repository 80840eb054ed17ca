package driver

import (
	"fmt"
	"net/url"
	"slices"
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
	backend     backend.Backend // nil: a private in-memory database
	name        string          // the file name SQLite opens
	vfs         string          // the backend's name
	flags       backend.OpenFlags
	pragmas     []string // statements run on every new connection
	txlock      string   // BEGIN's mode: DEFERRED, IMMEDIATE or EXCLUSIVE
	busyTimeout time.Duration
	immutable   bool     // the file cannot change: no locks, no journal
	memoryLimit int64    // bytes; 0: the wasm default
	time        timeRule // how times are written and read
	rawValues   bool     // columns scan as stored, not by their declared type
	metered     bool     // run the metered module
	// instructionLimit is each statement's budget, in instructions, with
	// metering (0: none).
	instructionLimit uint64
	connectHooks     []func(*Conn) error
}

// parseDSN reads a DSN (see the package documentation): the file name, the
// peers' pragma parameters, the driver's own parameters, and the
// parameters of the backend that vfs names, which the backend checks.
func parseDSN(dsn string) (*config, error) {
	path, params, err := splitDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg := &config{flags: backend.OpenReadWrite | backend.OpenCreate, txlock: "DEFERRED", busyTimeout: DefaultBusyTimeout,
		time: defaultTimeRule, name: path, vfs: "file"}
	first, err := compatPragmaStatements(params)
	if err != nil {
		return nil, err
	}
	owned := map[string]string{} // the backends' parameters, by key
	for key, values := range params {
		if set, ok := driverParams[key]; ok {
			if err := set(cfg, values); err != nil {
				return nil, err
			}
			continue
		}
		if len(backend.Owns(key)) == 0 {
			return nil, fmt.Errorf("stablesqlite: unknown DSN parameter %q", key)
		}
		owned[key] = values[len(values)-1]
	}
	// The peers' pragma parameters run first, in a fixed order, then _pragma.
	cfg.pragmas = append(first, cfg.pragmas...)
	if cfg.name == ":memory:" || cfg.name == "" {
		if _, ok := params["vfs"]; ok {
			return nil, fmt.Errorf("stablesqlite: %q: a private :memory: database takes no vfs; name one, as file:/name?vfs=heap", dsn)
		}
		cfg.name = ":memory:"
		return cfg, nil
	}
	if cfg.backend, err = chooseBackend(cfg.vfs, owned); err != nil {
		return nil, err
	}
	return cfg, nil
}

// splitDSN returns the file name of a DSN (unescaped, for a file: URI) and
// its parameters.
func splitDSN(dsn string) (string, map[string][]string, error) {
	isURI := strings.HasPrefix(dsn, "file:")
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if isURI {
		p, err := url.PathUnescape(path)
		if err != nil {
			return "", nil, fmt.Errorf("stablesqlite: bad DSN path %q: %w", path, err)
		}
		path = p
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", nil, fmt.Errorf("stablesqlite: bad DSN parameters %q: %w", query, err)
	}
	return path, params, nil
}

// chooseBackend returns the backend vfs names, made from the parameters
// it owns (checked by it: any parameter another backend owns is an error).
func chooseBackend(vfs string, owned map[string]string) (backend.Backend, error) {
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
	return b, nil
}
