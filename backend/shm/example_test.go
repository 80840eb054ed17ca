package shm_test

import (
	"fmt"
	"log"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/shm"
)

// An in-memory backend keeps one File per database, on anonymous storage,
// and gives each of the database's volumes a Handle: every connection
// then maps the same WAL index and takes part in the same shm locks.
func Example() {
	index := &shm.File{Open: shm.Anonymous}
	a, b := index.NewHandle(), index.NewHandle()
	defer a.ShmUnmap(true)
	defer b.ShmUnmap(false)

	// A region that no handle has grown does not exist yet.
	_, _, ok, err := b.ShmMap(0, 32768, false)
	fmt.Println(ok, err)

	// a grows the index; b maps the same bytes.
	fa, offA, _, err := a.ShmMap(0, 32768, true)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := fa.WriteAt([]byte("hello"), offA); err != nil {
		log.Fatal(err)
	}
	fb, offB, ok, err := b.ShmMap(0, 32768, false)
	if err != nil || !ok {
		log.Fatal(ok, err)
	}
	p := make([]byte, 5)
	if _, err := fb.ReadAt(p, offB); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(p))

	// The eight lock slots: an exclusive lock excludes every other handle.
	fmt.Println(a.ShmLock(0, 1, backend.ShmLock|backend.ShmExclusive))
	fmt.Println(b.ShmLock(0, 1, backend.ShmLock|backend.ShmShared))
	a.ShmLock(0, 1, backend.ShmUnlock|backend.ShmExclusive)
	fmt.Println(b.ShmLock(0, 1, backend.ShmLock|backend.ShmShared))
	// Output:
	// false <nil>
	// hello
	// <nil>
	// backend: locked by another connection
	// <nil>
}
