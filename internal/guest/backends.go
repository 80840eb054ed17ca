package guest

import (
	"fmt"

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
	rc, err := i.Call32(FnRegisterVFS, uint64(id))
	if err != nil {
		return "", err
	}
	if rc != 0 {
		i.env.backends = i.env.backends[:id-1]
		return "", fmt.Errorf("wasm: registering a VFS: result code %d", rc)
	}
	return fmt.Sprintf("stablesqlite%d", id), nil
}
