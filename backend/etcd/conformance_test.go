package etcd

import (
	"testing"

	"github.com/stablesqlite/stablesqlite/conformance"
)

// TestSQLConformance runs the database/sql behaviours of the conformance
// module on vfs=etcd, each on a database under a fresh prefix.
func TestSQLConformance(t *testing.T) {
	c := needCluster(t)
	conformance.RunSQL(t, func(t *testing.T) map[string]string {
		return map[string]string{"etcd": dsn(c, prefix(t), "c.db")}
	})
}
