package sqlite

import (
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/internal/guest"
	"github.com/stablesqlite/stablesqlite/internal/rc"
)

// BackupFrom copies a database over this connection's main database with
// SQLite's online backup: the database name of backend b (opened read-only
// inside this connection's instance), or, when b is nil, the image (a
// private in-memory database's serialized copy). It steps by 256 pages, so
// that a cancelled context (Watch) stops it in between.
func (c *Conn) BackupFrom(name string, b backend.Backend, image []byte) error {
	var src uint32
	var err error
	if b == nil {
		if src, err = c.openDB(":memory:", backend.OpenReadWrite|backend.OpenCreate, ""); err == nil {
			tmp := &Conn{inst: c.inst, db: src}
			err = tmp.Deserialize("main", image)
		}
	} else {
		var vfs string
		if vfs, err = c.inst.VFS(b); err == nil {
			src, err = c.openDB(name, backend.OpenReadOnly, vfs)
		}
	}
	if src != 0 {
		defer c.inst.Call(guest.FnCloseV2, uint64(src))
	}
	if err != nil {
		return err
	}
	return c.backup(src)
}

// backup runs sqlite3_backup from the database handle src into this one.
func (c *Conn) backup(src uint32) error {
	i := c.inst
	p, err := i.CString("main", 0)
	if err != nil {
		return hostError(err)
	}
	bk, err := i.Call(guest.FnBackupInit, uint64(c.db), uint64(p), uint64(src), uint64(p))
	if err != nil {
		return hostError(err)
	}
	if bk == 0 {
		code, _ := i.Call32(guest.FnErrcode, uint64(c.db))
		return c.error(rc.Code(code))
	}
	var code int32
	for {
		if code, err = i.Call32(guest.FnBackupStep, bk, 256); err != nil {
			return hostError(err)
		}
		if i.Interrupted() {
			code = int32(rc.Interrupt)
			break
		}
		if rc.Code(code) == rc.Busy || rc.Code(code) == rc.Locked {
			time.Sleep(time.Millisecond) // the source has a writer: wait, as the busy handler would
			continue
		}
		if rc.Code(code) != rc.OK {
			break
		}
	}
	fcode, err := i.Call32(guest.FnBackupFinish, bk)
	switch {
	case rc.Code(code) == rc.Interrupt:
		return errInterrupted
	case rc.Code(code) != rc.Done:
		return c.error(rc.Code(code))
	}
	return c.result(fcode, err)
}
