package sqlite

import (
	"github.com/stablesqlite/stablesqlite/internal/guest"
)

// Blob is an open BLOB for incremental I/O (sqlite3_blob_*).
type Blob struct {
	c    *Conn
	h    uint32
	size int
}

// OpenBlob opens the blob in column of the row with rowid row of
// schema.table, for reading, or for reading and writing.
func (c *Conn) OpenBlob(schema, table, column string, row int64, write bool) (*Blob, error) {
	i := c.inst
	p, err := i.CString(schema+"\x00"+table+"\x00"+column, 8)
	if err != nil {
		return nil, hostError(err)
	}
	pt := p + uint32(len(schema)) + 1
	pc := pt + uint32(len(table)) + 1
	flags := uint64(0)
	if write {
		flags = 1
	}
	out, _ := i.Scratch(8)
	code, err := i.Call32(guest.FnBlobOpen, uint64(c.db), uint64(p), uint64(pt), uint64(pc), uint64(row), flags, uint64(out))
	if err := c.result(code, err); err != nil {
		return nil, err
	}
	h, _ := i.Memory().ReadUint32Le(out)
	b := &Blob{c: c, h: h}
	return b, b.readSize()
}

func (b *Blob) readSize() error {
	n, err := b.c.inst.Call32(guest.FnBlobBytes, uint64(b.h))
	b.size = int(n)
	return hostError(err)
}

// Size returns the blob's size in bytes.
func (b *Blob) Size() int { return b.size }

// ReadAt reads len(p) bytes at off, which must lie inside the blob.
func (b *Blob) ReadAt(p []byte, off int) error {
	i := b.c.inst
	buf, err := i.Malloc(uint32(max(len(p), 1)))
	if err != nil {
		return hostError(err)
	}
	defer i.Free(buf)
	code, err := i.Call32(guest.FnBlobRead, uint64(b.h), uint64(buf), uint64(len(p)), uint64(off))
	if err := b.c.result(code, err); err != nil {
		return err
	}
	data, _ := i.Memory().Read(buf, uint32(len(p)))
	copy(p, data)
	return nil
}

// WriteAt writes p at off, inside the blob.
func (b *Blob) WriteAt(p []byte, off int) error {
	i := b.c.inst
	buf, err := i.Malloc(uint32(max(len(p), 1)))
	if err != nil {
		return hostError(err)
	}
	defer i.Free(buf)
	i.Memory().Write(buf, p)
	return b.c.result(i.Call32(guest.FnBlobWrite, uint64(b.h), uint64(buf), uint64(len(p)), uint64(off)))
}

// Reopen moves the blob handle to another row.
func (b *Blob) Reopen(row int64) error {
	if err := b.c.result(b.c.inst.Call32(guest.FnBlobReopen, uint64(b.h), uint64(row))); err != nil {
		return err
	}
	return b.readSize()
}

// Close closes the blob.
func (b *Blob) Close() error { return b.c.result(b.c.inst.Call32(guest.FnBlobClose, uint64(b.h))) }
