package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/internal/sqlite"
)

// raw runs f on the stablesqlite connection behind conn.
func raw(conn *sql.Conn, f func(*Conn) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*Conn)
		if !ok {
			return fmt.Errorf("stablesqlite: %T is not a stablesqlite connection", dc)
		}
		return f(c)
	})
}

// Serialize returns the database schema ("main", "temp", or an attached
// one) as an SQLite file image.
func (c *Conn) Serialize(schema string) ([]byte, error) { return c.sc.Serialize(schema) }

// Deserialize replaces the database schema with an in-memory database
// holding a copy of image (which is checked first).
func (c *Conn) Deserialize(schema string, image []byte) error {
	if err := backend.CheckImage(image); err != nil {
		return fmt.Errorf("stablesqlite: %w", err)
	}
	return c.sc.Deserialize(schema, image)
}

// Serialize returns the main database behind conn as an SQLite file image.
func Serialize(conn *sql.Conn) (image []byte, err error) {
	err = raw(conn, func(c *Conn) error {
		image, err = c.Serialize("main")
		return err
	})
	return image, err
}

// Deserialize replaces the main database of conn with an in-memory copy of
// image; only this connection sees it.
func Deserialize(conn *sql.Conn, image []byte) error {
	return raw(conn, func(c *Conn) error { return c.Deserialize("main", image) })
}

// Backup copies the main database of src over the main database of dst,
// page by page with SQLite's online backup, whatever their backends (file
// to heap, heap to stable, a private :memory: database to a file, ...). The
// source is read as a consistent snapshot; a cancelled ctx stops the copy.
func Backup(ctx context.Context, dst, src *sql.Conn) error {
	return raw(dst, func(d *Conn) error {
		return raw(src, func(s *Conn) error { return d.backupFrom(ctx, s) })
	})
}

// backupFrom copies src's main database into this connection's with
// SQLite's online backup, in this connection's instance: through the
// source's backend, or from a serialized copy of a private :memory:
// database.
func (c *Conn) backupFrom(ctx context.Context, src *Conn) error {
	if c == src {
		return errors.New("stablesqlite: backup onto itself")
	}
	stop := c.sc.Watch(ctx)
	defer stop()
	var image []byte
	if src.cfg.backend == nil {
		var err error
		if image, err = src.Serialize("main"); err != nil {
			return err
		}
	}
	return fail(ctx, c.sc.BackupFrom(src.cfg.name, src.cfg.backend, image))
}

// Blob is an open BLOB, read and written in place (incremental BLOB I/O):
// an io.ReaderAt and io.WriterAt over one value, which cannot change size.
type Blob struct {
	conn *sql.Conn
	b    *sqlite.Blob
}

// OpenBlob opens the blob in column of the row with rowid row of table (in
// schema "main" unless table is "schema.table"), for reading, or for
// reading and writing. Close it before the connection goes back to its
// pool.
func OpenBlob(conn *sql.Conn, table, column string, row int64, write bool) (*Blob, error) {
	schema := "main"
	if s, t, ok := strings.Cut(table, "."); ok {
		schema, table = s, t
	}
	b := &Blob{conn: conn}
	err := raw(conn, func(c *Conn) (err error) {
		b.b, err = c.sc.OpenBlob(schema, table, column, row, write)
		return err
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Size returns the blob's size in bytes.
func (b *Blob) Size() int64 { return int64(b.b.Size()) }

// ReadAt implements io.ReaderAt.
func (b *Blob) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stablesqlite: negative blob offset")
	}
	size := int64(b.b.Size())
	if off >= size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), size-off))
	if err := raw(b.conn, func(*Conn) error { return b.b.ReadAt(p[:n], int(off)) }); err != nil {
		return 0, err
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// WriteAt implements io.WriterAt; a blob cannot grow, so writing past its
// end is an error.
func (b *Blob) WriteAt(p []byte, off int64) (int, error) {
	if size := int64(b.b.Size()); off < 0 || off+int64(len(p)) > size {
		return 0, fmt.Errorf("stablesqlite: blob write [%d, %d) outside its %d bytes", off, off+int64(len(p)), size)
	}
	if err := raw(b.conn, func(*Conn) error { return b.b.WriteAt(p, int(off)) }); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Reopen points the blob at the same column of another row.
func (b *Blob) Reopen(row int64) error {
	return raw(b.conn, func(*Conn) error { return b.b.Reopen(row) })
}

// Close closes the blob.
func (b *Blob) Close() error {
	return raw(b.conn, func(*Conn) error { return b.b.Close() })
}
