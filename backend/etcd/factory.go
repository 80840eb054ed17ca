package etcd

import (
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
)

// factory makes the backends of vfs=etcd from their DSN parameters.
type factory struct{}

func init() { backend.Register("etcd", factory{}) }

// Params implements backend.Factory.
func (factory) Params() []string { return Params() }

// New implements backend.Factory: it checks the parameters and returns the
// process's backend for them, connecting nothing.
func (factory) New(params map[string]string) (backend.Backend, error) {
	cfg, err := ParseParams(params)
	if err != nil {
		return nil, err
	}
	return Shared(cfg)
}

var (
	sharedMu sync.Mutex
	shared   = map[string]*Backend{}
)

// Shared returns the process's backend for cfg, made on first use and kept
// for the life of the process: every vfs=etcd DSN with the same parameters
// uses one client and one lease, and its connections see each other's
// locks.
func Shared(cfg Config) (*Backend, error) {
	cfg = cfg.withDefaults()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	k := cfg.key()
	if b := shared[k]; b != nil {
		return b, nil
	}
	b, err := New(cfg)
	if err != nil {
		return nil, err
	}
	shared[k] = b
	return b, nil
}
