package shm

import (
	"os"

	"github.com/stablesqlite/stablesqlite/backend"
)

// Anonymous returns storage that only this process sees, for backends
// whose databases live in process memory: an anonymous file in memory
// (memfd on Linux, an unlinked temporary file elsewhere), which every
// connection of the process maps.
func Anonymous() (Storage, error) {
	f, err := anonymousFile()
	if err != nil {
		return nil, err
	}
	return anonymous{f}, nil
}

type anonymous struct{ f *os.File }

func (a anonymous) File() *os.File                      { return a.f }
func (anonymous) Lock(int, int, backend.ShmFlags) error { return nil }
func (a anonymous) Close(bool) error                    { return a.f.Close() }

// anonymousTemp is a temporary file removed as soon as it is open.
func anonymousTemp() (*os.File, error) {
	f, err := os.CreateTemp("", "stablesqlite-shm-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	return f, nil
}
