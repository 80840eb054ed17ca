//go:build !unix

package stable

import "os"

// lockExclusive has no portable equivalent here: one process per image is
// up to the user.
func lockExclusive(*os.File) error { return nil }
