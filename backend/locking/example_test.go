package locking_test

import (
	"fmt"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/locking"
)

// Two connections' handles on one file follow SQLite's protocol: many
// readers, one writer that reserves the file, and an exclusive lock only
// once the readers are gone.
func Example() {
	var f locking.File // one per file, shared by its handles
	reader, writer := f.NewLock(), f.NewLock()

	reader.Lock(backend.LockShared)
	writer.Lock(backend.LockShared)
	fmt.Println(writer.Lock(backend.LockReserved))
	fmt.Println(reader.CheckReserved())
	fmt.Println(reader.Lock(backend.LockReserved))

	// Exclusive waits for the reader; the writer holds PENDING meanwhile,
	// which lets no new reader in.
	fmt.Println(writer.Lock(backend.LockExclusive), writer.Level() == backend.LockPending)
	reader.Unlock(backend.LockNone)
	fmt.Println(writer.Lock(backend.LockExclusive), writer.Level() == backend.LockExclusive)
	// Output:
	// <nil>
	// true <nil>
	// backend: locked by another connection
	// backend: locked by another connection true
	// <nil> true
}

// printOS shows the byte-range locks that a File asks the operating system
// for, in the ranges native SQLite locks.
type printOS struct{}

func (printOS) Set(kind locking.Kind, start, n int64) error {
	names := map[locking.Kind]string{locking.Unlock: "unlock", locking.ReadLock: "read", locking.WriteLock: "write"}
	fmt.Printf("  %s %#x+%d\n", names[kind], start, n)
	return nil
}

func (printOS) Test(start, n int64) (bool, error) { return false, nil }

// With an OS, a File mirrors each level in byte-range locks, so that
// other processes take part in the protocol.
func ExampleOS() {
	f := &locking.File{OS: printOS{}}
	l := f.NewLock()
	fmt.Println("SHARED")
	l.Lock(backend.LockShared)
	fmt.Println("RESERVED")
	l.Lock(backend.LockReserved)
	fmt.Println("EXCLUSIVE")
	l.Lock(backend.LockExclusive)
	fmt.Println("NONE")
	l.Unlock(backend.LockNone)
	// Output:
	// SHARED
	//   read 0x40000000+1
	//   read 0x40000002+510
	//   unlock 0x40000000+1
	// RESERVED
	//   write 0x40000001+1
	// EXCLUSIVE
	//   write 0x40000000+1
	//   write 0x40000002+510
	// NONE
	//   unlock 0x40000000+2
	//   unlock 0x0+0
}
