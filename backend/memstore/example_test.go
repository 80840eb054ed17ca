package memstore_test

import (
	"fmt"
	"io"
	"log"

	"github.com/stablesqlite/stablesqlite/backend/memstore"
)

// A Store is the bytes of one file of an in-memory backend: it grows as it
// is written, and a hole costs nothing until it is written.
func ExampleStore() {
	var s memstore.Store // the zero value is an empty store
	// Writes fail only past MaxSize, with backend.ErrFull.
	s.WriteAt([]byte("page two"), 4096)
	fmt.Println(s.Size())

	p := make([]byte, 4)
	n, err := s.ReadAt(p, 0) // the hole reads as zeros
	fmt.Println(n, p, err)
	n, err = s.ReadAt(p, 4101) // a read across the end
	fmt.Printf("%d %q %v\n", n, p[:n], err == io.EOF)

	s.Truncate(4096 + 4)
	fmt.Printf("%q\n", s.Bytes()[4096:])
	// Output:
	// 4104
	// 4 [0 0 0 0] <nil>
	// 3 "two" true
	// "page"
}

// NewTemp is what a backend's Open returns for a temporary file without a
// name: a private volume in process memory.
func ExampleNewTemp() {
	v := memstore.NewTemp()
	defer v.Close()
	if _, err := v.WriteAt([]byte("scratch"), 0); err != nil {
		log.Fatal(err)
	}
	size, err := v.Size()
	if err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, size)
	if _, err := v.ReadAt(buf, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Println(size, string(buf))
	// Output: 7 scratch
}
