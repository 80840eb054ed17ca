package etcd

import (
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/backendtest"
)

// TestBackendConformance runs the backend conformance kit, each subtest on
// a backend of its own under a fresh prefix.
func TestBackendConformance(t *testing.T) {
	c := needCluster(t)
	backendtest.Run(t, func(t *testing.T) (backend.Backend, func(string) string) {
		b := newBackend(t, c, Config{Prefix: prefix(t)})
		return b, func(base string) string { return base }
	})
}
