package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
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
func (c *Conn) Serialize(schema string) ([]byte, error) {
	b, err := c.inst.Serialize(c.db, schema)
	if err != nil && c.inst.Err() == nil {
		code, msg := c.inst.Errmsg(c.db)
		if code != rcOK {
			return nil, fmt.Errorf("%w: %w", err, newError(code, msg))
		}
	}
	return b, err
}

// Deserialize replaces the database schema with an in-memory database
// holding a copy of image (which is checked first).
func (c *Conn) Deserialize(schema string, image []byte) error {
	if err := checkImage(image); err != nil {
		return err
	}
	rc, err := c.inst.Deserialize(c.db, schema, image)
	if err != nil {
		return err
	}
	if rc != rcOK {
		return c.error(c.bg(), rc)
	}
	return nil
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

// backupFrom opens the source database inside this connection's instance
// (through the source's backend, or from a serialized copy of a private
// :memory: database) and runs sqlite3_backup into this connection.
func (c *Conn) backupFrom(ctx context.Context, src *Conn) error {
	if c == src {
		return errors.New("stablesqlite: backup onto itself")
	}
	stop := c.inst.Watch(ctx)
	defer stop()
	var db uint32
	var rc int32
	var err error
	if src.cfg.backend == nil {
		image, serr := src.Serialize("main")
		if serr != nil {
			return serr
		}
		if db, rc, err = c.inst.Open(":memory:", openReadWrite|openCreate); err == nil && rc == rcOK {
			rc, err = c.inst.Deserialize(db, "main", image)
		}
	} else {
		vfs, verr := c.inst.RegisterBackend(src.cfg.backend)
		if verr != nil {
			return verr
		}
		db, rc, err = c.inst.OpenVFS(src.cfg.name, openReadOnly, vfs)
	}
	if db != 0 {
		defer c.inst.CloseDB(db)
	}
	if err != nil {
		return err
	}
	if rc != rcOK {
		code, msg := c.inst.Errmsg(db)
		return fmt.Errorf("stablesqlite: backup: opening the source: %w", newError(code, msg))
	}
	c.inst.BusyTimeout(db, int32(c.cfg.busyTimeout.Milliseconds()))
	rc, err = c.inst.Backup(c.db, db, 256)
	if err != nil {
		return err
	}
	if rc != rcOK {
		if rc&0xff == rcInterrupt && ctx.Err() != nil {
			return ctx.Err()
		}
		return c.error(ctx, rc)
	}
	return nil
}

// Blob is an open BLOB, read and written in place (incremental BLOB I/O):
// an io.ReaderAt and io.WriterAt over one value, which cannot change size.
type Blob struct {
	conn   *sql.Conn
	handle uint32
	size   int
}

// OpenBlob opens the blob in column of the row with rowid row of table (in
// schema "main" unless table is "schema.table"), for reading, or for
// reading and writing. Close it before the connection goes back to its
// pool.
func OpenBlob(conn *sql.Conn, table, column string, row int64, write bool) (*Blob, error) {
	schema := "main"
	for i := range table {
		if table[i] == '.' {
			schema, table = table[:i], table[i+1:]
			break
		}
	}
	b := &Blob{conn: conn}
	err := raw(conn, func(c *Conn) error {
		h, rc, err := c.inst.BlobOpen(c.db, schema, table, column, row, write)
		if err != nil {
			return err
		}
		if rc != rcOK {
			return c.error(c.bg(), rc)
		}
		b.handle = h
		b.size, err = c.inst.BlobBytes(h)
		return err
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Size returns the blob's size in bytes.
func (b *Blob) Size() int64 { return int64(b.size) }

// ReadAt implements io.ReaderAt.
func (b *Blob) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stablesqlite: negative blob offset")
	}
	if off >= int64(b.size) {
		return 0, io.EOF
	}
	n := min(len(p), b.size-int(off))
	err := raw(b.conn, func(c *Conn) error {
		rc, err := c.inst.BlobRead(b.handle, p[:n], int(off))
		if err == nil && rc != rcOK {
			err = c.error(c.bg(), rc)
		}
		return err
	})
	if err != nil {
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
	if off < 0 || off+int64(len(p)) > int64(b.size) {
		return 0, fmt.Errorf("stablesqlite: blob write [%d, %d) outside its %d bytes", off, off+int64(len(p)), b.size)
	}
	err := raw(b.conn, func(c *Conn) error {
		rc, err := c.inst.BlobWrite(b.handle, p, int(off))
		if err == nil && rc != rcOK {
			err = c.error(c.bg(), rc)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Reopen points the blob at the same column of another row.
func (b *Blob) Reopen(row int64) error {
	return raw(b.conn, func(c *Conn) error {
		rc, err := c.inst.BlobReopen(b.handle, row)
		if err != nil {
			return err
		}
		if rc != rcOK {
			return c.error(c.bg(), rc)
		}
		b.size, err = c.inst.BlobBytes(b.handle)
		return err
	})
}

// Close closes the blob.
func (b *Blob) Close() error {
	return raw(b.conn, func(c *Conn) error {
		rc, err := c.inst.BlobClose(b.handle)
		if err == nil && rc != rcOK {
			err = c.error(c.bg(), rc)
		}
		return err
	})
}
