package driver

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
)

// driverParams are the DSN parameters the driver takes, each with what it
// does to the configuration (given the parameter's values; the last one
// counts, but for _pragma, which is repeatable).
var driverParams = map[string]func(cfg *config, values []string) error{
	"mode": func(cfg *config, v []string) error {
		switch last(v) {
		case "ro":
			cfg.flags = backend.OpenReadOnly
		case "rw":
			cfg.flags = backend.OpenReadWrite
		case "rwc":
			cfg.flags = backend.OpenReadWrite | backend.OpenCreate
		case "memory":
			cfg.name = ":memory:"
		default:
			return fmt.Errorf("stablesqlite: mode=%q: want ro, rw, rwc or memory", last(v))
		}
		return nil
	},
	"vfs": func(cfg *config, v []string) error { cfg.vfs = last(v); return nil },
	"cache": func(cfg *config, v []string) error {
		if last(v) != "private" {
			return fmt.Errorf("stablesqlite: cache=%q is not supported (shared cache is off); use vfs=heap to share an in-memory database", last(v))
		}
		return nil
	},
	"_pragma": func(cfg *config, v []string) error {
		for _, p := range v {
			stmt, err := pragmaStatement(p)
			if err != nil {
				return err
			}
			cfg.pragmas = append(cfg.pragmas, stmt)
		}
		return nil
	},
	"_txlock":      func(cfg *config, v []string) error { return WithTxLock(last(v))(cfg) },
	"_timefmt":     setTimeFormat,
	"_time_format": setTimeFormat,
	"_loc": func(cfg *config, v []string) error {
		l := time.Local
		if last(v) != "auto" {
			var err error
			if l, err = time.LoadLocation(last(v)); err != nil {
				return fmt.Errorf("stablesqlite: _loc=%q: %w", last(v), err)
			}
		}
		cfg.time.loc = l
		return nil
	},
	"immutable": func(cfg *config, v []string) error {
		switch last(v) {
		case "1", "true":
			cfg.immutable = true
		case "0", "false":
			cfg.immutable = false
		default:
			return fmt.Errorf("stablesqlite: immutable=%q: want 1 or 0", last(v))
		}
		return nil
	},
	"_meter": func(cfg *config, v []string) error {
		switch last(v) {
		case "1", "true", "on":
			cfg.metered = true
		case "0", "false", "off":
			cfg.metered = false
		default:
			return fmt.Errorf("stablesqlite: _meter=%q: want 1 or 0", last(v))
		}
		return nil
	},
	"_instruction_limit": func(cfg *config, v []string) error {
		n, err := strconv.ParseUint(last(v), 10, 64)
		if err != nil {
			return fmt.Errorf("stablesqlite: _instruction_limit=%q: want a number of instructions", last(v))
		}
		cfg.instructionLimit = n
		return nil
	},
	// mattn's threading mode: every connection here is single-threaded by
	// construction, so any value is accepted and changes nothing.
	"_mutex":        func(*config, []string) error { return nil },
	"_busy_timeout": setBusyTimeout,
	"_timeout":      setBusyTimeout,
	"_auth":         noAuth("_auth"),
	"_auth_user":    noAuth("_auth_user"),
	"_auth_pass":    noAuth("_auth_pass"),
	"_auth_crypt":   noAuth("_auth_crypt"),
	"_auth_salt":    noAuth("_auth_salt"),
}

func last(values []string) string { return values[len(values)-1] }

func setTimeFormat(cfg *config, v []string) error {
	loc := cfg.time.loc
	r, err := parseTimeFormat(last(v))
	r.loc = loc
	cfg.time = r
	return err
}

func setBusyTimeout(cfg *config, v []string) error {
	ms, err := strconv.Atoi(last(v))
	if err != nil || ms < 0 {
		return fmt.Errorf("stablesqlite: _busy_timeout=%q: want milliseconds", last(v))
	}
	cfg.busyTimeout = time.Duration(ms) * time.Millisecond
	return nil
}

func noAuth(key string) func(*config, []string) error {
	return func(*config, []string) error {
		return fmt.Errorf("stablesqlite: %s: SQLite's user authentication extension is not supported", key)
	}
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
