package backend

import (
	"encoding/binary"
	"errors"
	"fmt"
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
