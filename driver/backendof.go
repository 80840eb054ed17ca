package driver

import (
	"database/sql"

	"github.com/stablesqlite/stablesqlite/backend"
)

// BackendOf returns the storage backend behind conn.
func BackendOf(conn *sql.Conn) (b backend.Backend, err error) {
	err = raw(conn, func(c *Conn) error {
		b = c.Backend()
		return nil
	})
	return b, err
}
