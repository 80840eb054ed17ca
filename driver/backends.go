package driver

// The built-in backends register themselves (vfs=file, heap, stable).
import (
	_ "github.com/stablesqlite/stablesqlite/backend/file"
	_ "github.com/stablesqlite/stablesqlite/backend/heap"
	_ "github.com/stablesqlite/stablesqlite/backend/stable"
)
