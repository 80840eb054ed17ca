package wasm

import (
	"errors"
	"fmt"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
)

// RegisterBackend makes b reachable from this instance as the VFS it
// names, so that a connection of this instance can open a database of
// another backend (to back it up). Registering the same backend twice
// returns the same name.
func (i *Instance) RegisterBackend(b backend.Backend) (string, error) {
	if b == i.env.backend {
		return "", nil
	}
	for k, have := range i.env.backends {
		if have == b {
			return fmt.Sprintf("stablesqlite%d", k+1), nil
		}
	}
	i.env.backends = append(i.env.backends, b)
	id := len(i.env.backends)
	rc, err := i.call32(&i.fRegisterVFS, uint64(id))
	if err != nil {
		return "", err
	}
	if rc != rcOK {
		i.env.backends = i.env.backends[:id-1]
		return "", fmt.Errorf("wasm: registering a VFS: result code %d", rc)
	}
	return fmt.Sprintf("stablesqlite%d", id), nil
}

// Serialize returns a copy of the database schema ("main", or an attached
// one) as an SQLite file image.
func (i *Instance) Serialize(db uint32, schema string) ([]byte, error) {
	p, err := i.cstring(schema, 8)
	if err != nil {
		return nil, err
	}
	img, err := i.call(&i.fSerialize, uint64(db), uint64(p), uint64(i.scratch.ptr))
	if err != nil {
		return nil, err
	}
	size, _ := i.mem.ReadUint64Le(i.scratch.ptr)
	if img == 0 {
		return nil, errors.New("wasm: sqlite3_serialize failed (out of memory, or no such schema)")
	}
	defer i.call(&i.fSqlFree, img)
	b, ok := i.mem.Read(uint32(img), uint32(size))
	if !ok {
		return nil, errors.New("wasm: serialized image out of bounds")
	}
	return append([]byte(nil), b...), nil
}

// Deserialize replaces schema with an in-memory database holding a copy of
// image (sqlite3_deserialize, resizable and freed by SQLite).
func (i *Instance) Deserialize(db uint32, schema string, image []byte) (int32, error) {
	buf, err := i.call(&i.fSqlMalloc, uint64(max(len(image), 1)))
	if err != nil {
		return 0, err
	}
	if buf == 0 {
		return 0, ErrNoMem
	}
	i.mem.Write(uint32(buf), image)
	p, err := i.cstring(schema, 0)
	if err != nil {
		i.call(&i.fSqlFree, buf)
		return 0, err
	}
	const freeOnClose, resizeable = 1, 2
	return i.call32(&i.fDeserialize, uint64(db), uint64(p), buf, uint64(len(image)), uint64(len(image)), freeOnClose|resizeable)
}

// BlobOpen opens an incremental blob handle (sqlite3_blob_open).
func (i *Instance) BlobOpen(db uint32, schema, table, column string, row int64, write bool) (uint32, int32, error) {
	p, err := i.cstring(schema+"\x00"+table+"\x00"+column, 8)
	if err != nil {
		return 0, 0, err
	}
	pt := p + uint32(len(schema)) + 1
	pc := pt + uint32(len(table)) + 1
	flags := uint64(0)
	if write {
		flags = 1
	}
	rc, err := i.call32(&i.fBlobOpen, uint64(db), uint64(p), uint64(pt), uint64(pc), uint64(row), flags, uint64(i.scratch.ptr))
	if err != nil {
		return 0, 0, err
	}
	h, _ := i.mem.ReadUint32Le(i.scratch.ptr)
	return h, rc, nil
}

// BlobClose closes a blob handle.
func (i *Instance) BlobClose(blob uint32) (int32, error) {
	return i.call32(&i.fBlobClose, uint64(blob))
}

// BlobBytes returns the blob's size.
func (i *Instance) BlobBytes(blob uint32) (int, error) {
	n, err := i.call32(&i.fBlobBytes, uint64(blob))
	return int(n), err
}

// BlobReopen moves a blob handle to another row.
func (i *Instance) BlobReopen(blob uint32, row int64) (int32, error) {
	return i.call32(&i.fBlobReopen, uint64(blob), uint64(row))
}

// BlobRead reads len(p) bytes at off.
func (i *Instance) BlobRead(blob uint32, p []byte, off int) (int32, error) {
	if err := i.flushArgs(); err != nil {
		return 0, err
	}
	if err := i.reserve(&i.args, uint32(len(p))); err != nil {
		return 0, err
	}
	rc, err := i.call32(&i.fBlobRead, uint64(blob), uint64(i.args.ptr), uint64(len(p)), uint64(off))
	if err == nil && rc == rcOK {
		b, _ := i.mem.Read(i.args.ptr, uint32(len(p)))
		copy(p, b)
	}
	return rc, err
}

// BlobWrite writes p at off.
func (i *Instance) BlobWrite(blob uint32, p []byte, off int) (int32, error) {
	if err := i.flushArgs(); err != nil {
		return 0, err
	}
	if err := i.reserve(&i.args, uint32(len(p))); err != nil {
		return 0, err
	}
	i.mem.Write(i.args.ptr, p)
	return i.call32(&i.fBlobWrite, uint64(blob), uint64(i.args.ptr), uint64(len(p)), uint64(off))
}

// Backup copies the database src (schema "main") over dst ("main"), both
// connections of this instance, with sqlite3_backup. It steps by pages
// pages, so that the connection can be interrupted in between.
func (i *Instance) Backup(dst, src uint32, pages int32) (int32, error) {
	p, err := i.cstring("main", 0)
	if err != nil {
		return 0, err
	}
	b, err := i.call(&i.fBackupInit, uint64(dst), uint64(p), uint64(src), uint64(p))
	if err != nil {
		return 0, err
	}
	if b == 0 {
		rc, _ := i.Errmsg(dst)
		return rc, nil
	}
	const rcLocked, rcInterrupt, rcDone = 6, 9, 101
	var rc int32
	for {
		if rc, err = i.call32(&i.fBackupStep, b, uint64(uint32(pages))); err != nil {
			return 0, err
		}
		if i.env.interrupted() {
			rc = rcInterrupt
			break
		}
		if rc == rcBusy || rc == rcLocked {
			time.Sleep(time.Millisecond) // the source has a writer: wait, as the busy handler would
			continue
		}
		if rc != rcOK {
			break
		}
	}
	frc, err := i.call32(&i.fBackupFinish, b)
	if rc == rcDone {
		return frc, err
	}
	return rc, err
}
