package backend

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// CheckImage reports whether image looks like a whole SQLite database: the
// header's magic string, a valid page size, and a length that is a whole
// number of pages. An empty image is an empty database.
func CheckImage(image []byte) error {
	if len(image) == 0 {
		return nil
	}
	if len(image) < 100 || string(image[:16]) != "SQLite format 3\x00" {
		return errors.New("not an SQLite database image")
	}
	pageSize := int(binary.BigEndian.Uint16(image[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("database image has invalid page size %d", pageSize)
	}
	if len(image)%pageSize != 0 {
		return fmt.Errorf("database image is %d bytes, not a whole number of %d-byte pages (truncated?)", len(image), pageSize)
	}
	return nil
}

// Export reads the database called name out of b as an ordinary SQLite
// image. It holds a shared lock as a reader would, so the image is a
// consistent snapshot even while other connections write, waiting up to
// five seconds for a writer (then ErrBusy); and it refuses a database
// whose rollback journal holds a transaction that never finished, since
// the image is torn until a connection rolls it back.
func Export(b Backend, name string) ([]byte, error) {
	v, _, err := b.Open(name, OpenReadOnly|OpenMainDB)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotFound // the caller names the database; Open's error already did
	}
	if err != nil {
		return nil, err
	}
	defer v.Close()
	if err := LockWithin(v, LockShared, 5*time.Second); err != nil {
		return nil, err
	}
	if hot, err := hotJournal(b, name, v); err != nil || hot {
		return nil, errors.Join(errors.New("an unfinished transaction's journal is present; open the database once to roll it back"), err)
	}
	size, err := v.Size()
	if err != nil {
		return nil, err
	}
	image := make([]byte, size)
	if _, err := v.ReadAt(image, 0); err != nil {
		return nil, err
	}
	return image, nil
}

// hotJournal reports whether the database db, called name, has a rollback
// journal with content and no writer.
func hotJournal(b Backend, name string, db Volume) (bool, error) {
	j, _, err := b.Open(name+"-journal", OpenReadOnly|OpenMainJournal)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer j.Close()
	var hdr [8]byte
	if n, _ := j.ReadAt(hdr[:], 0); n < len(hdr) || binary.BigEndian.Uint64(hdr[:]) == 0 {
		return false, nil
	}
	reserved, err := db.CheckReserved()
	return !reserved, err
}
