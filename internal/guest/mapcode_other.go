//go:build !(linux && (amd64 || arm64))

package guest

// mapsCode says that warm starts here read the code: no code files.
const mapsCode = false

// mapCode maps nothing outside Linux: warm starts read the code (see the
// Linux one).
func mapCode(string, []byte) bool { return false }
