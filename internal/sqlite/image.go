package sqlite

import (
	"errors"

	"github.com/stablesqlite/stablesqlite/internal/guest"
	"github.com/stablesqlite/stablesqlite/internal/rc"
)

// Serialize returns a copy of the database schema ("main", "temp" or an
// attached one) as an SQLite file image (sqlite3_serialize).
func (c *Conn) Serialize(schema string) ([]byte, error) {
	i := c.inst
	p, err := i.CString(schema, 8)
	if err != nil {
		return nil, hostError(err)
	}
	out, _ := i.Scratch(8)
	img, err := i.Call(guest.FnSerialize, uint64(c.db), uint64(p), uint64(out))
	if err != nil {
		return nil, hostError(err)
	}
	if img == 0 {
		if code, _ := i.Call32(guest.FnErrcode, uint64(c.db)); code != 0 {
			return nil, c.error(rc.Code(code))
		}
		return nil, errors.New("sqlite: sqlite3_serialize failed (out of memory, or no such schema)")
	}
	defer i.Call(guest.FnSqliteFree, img)
	size, _ := i.Memory().ReadUint64Le(out)
	b, ok := i.Memory().Read(uint32(img), uint32(size))
	if !ok {
		return nil, errors.New("sqlite: serialized image out of bounds")
	}
	return append([]byte(nil), b...), nil
}

// Deserialize replaces schema with an in-memory database holding a copy of
// image (sqlite3_deserialize, resizable, freed by SQLite).
func (c *Conn) Deserialize(schema string, image []byte) error {
	i := c.inst
	buf, err := i.Call(guest.FnSqliteMalloc, uint64(max(len(image), 1)))
	if err != nil {
		return hostError(err)
	}
	if buf == 0 {
		return hostError(guest.ErrNoMem)
	}
	i.Memory().Write(uint32(buf), image)
	p, err := i.CString(schema, 0)
	if err != nil {
		i.Call(guest.FnSqliteFree, buf)
		return hostError(err)
	}
	const freeOnClose, resizeable = 1, 2
	return c.result(i.Call32(guest.FnDeserialize, uint64(c.db), uint64(p), buf, uint64(len(image)), uint64(len(image)), freeOnClose|resizeable))
}
