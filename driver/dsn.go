package driver

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/file"
	"github.com/stablesqlite/stablesqlite/backend/heap"
	"github.com/stablesqlite/stablesqlite/backend/stable"
)

// SQLite open flags.
const (
	openReadOnly  = 0x1
	openReadWrite = 0x2
	openCreate    = 0x4
)

// DefaultBusyTimeout is how long a connection waits for another one's lock
// before failing with SQLITE_BUSY, unless the DSN or a pragma says otherwise.
const DefaultBusyTimeout = 5 * time.Second

var (
	backendsMu sync.RWMutex
	backends   = map[string]backend.Backend{
		"file": file.Default,
		"heap": heap.Default,
	}
)

// RegisterBackend makes b available to DSNs as vfs=name. It panics if the
// name is taken, as database/sql's Register does.
func RegisterBackend(name string, b backend.Backend) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if _, dup := backends[name]; dup || b == nil {
		panic("stablesqlite: RegisterBackend called twice, or with nil, for " + name)
	}
	backends[name] = b
}

func lookupBackend(name string) (backend.Backend, error) {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	b, ok := backends[name]
	if !ok {
		known := make([]string, 0, len(backends))
		for n := range backends {
			known = append(known, n)
		}
		return nil, fmt.Errorf("stablesqlite: unknown backend vfs=%q (have %s)", name, strings.Join(known, ", "))
	}
	return b, nil
}

// config is what a DSN and Connector options decide for every connection.
type config struct {
	backend      backend.Backend // nil: a private in-memory database
	name         string          // the file name SQLite opens
	flags        int32           // SQLITE_OPEN_*
	pragmas      []string        // statements run on every new connection
	txlock       string          // BEGIN's mode: DEFERRED, IMMEDIATE or EXCLUSIVE
	busyTimeout  time.Duration
	memoryLimit  int64 // bytes; 0: the wasm default
	connectHooks []func(*Conn) error
}

// parseDSN reads a DSN (see the package documentation).
func parseDSN(dsn string) (*config, error) {
	cfg := &config{flags: openReadWrite | openCreate, txlock: "DEFERRED", busyTimeout: DefaultBusyTimeout}
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
	var stableMemory, stableImage string
	for key, values := range params {
		v := values[len(values)-1]
		switch key {
		case "mode":
			switch v {
			case "ro":
				cfg.flags = openReadOnly
			case "rw":
				cfg.flags = openReadWrite
			case "rwc":
				cfg.flags = openReadWrite | openCreate
			case "memory":
				memory = true
			default:
				return nil, fmt.Errorf("stablesqlite: mode=%q: want ro, rw, rwc or memory", v)
			}
		case "vfs":
			vfs = v
		case "memory":
			stableMemory = v
		case "image":
			stableImage = v
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
		case "_busy_timeout":
			ms, err := strconv.Atoi(v)
			if err != nil || ms < 0 {
				return nil, fmt.Errorf("stablesqlite: _busy_timeout=%q: want milliseconds", v)
			}
			cfg.busyTimeout = time.Duration(ms) * time.Millisecond
		default:
			return nil, fmt.Errorf("stablesqlite: unknown DSN parameter %q", key)
		}
	}
	if memory {
		if params.Has("vfs") {
			return nil, fmt.Errorf("stablesqlite: %q: a private :memory: database takes no vfs; name one, as file:/name?vfs=heap", dsn)
		}
		cfg.name = ":memory:"
		return cfg, nil
	}
	if vfs != "stable" && (params.Has("memory") || params.Has("image")) {
		return nil, fmt.Errorf("stablesqlite: the memory and image parameters need vfs=stable")
	}
	var b backend.Backend
	switch {
	case vfs != "stable":
		b, err = lookupBackend(vfs)
	case stableImage != "" && stableMemory != "":
		err = fmt.Errorf("stablesqlite: give vfs=stable either memory=NAME or image=PATH, not both")
	case stableImage != "":
		b, err = stable.SharedImage(stableImage)
	default:
		b, err = stable.Shared(stableMemory)
	}
	if err != nil {
		return nil, err
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
