// Package stable is a backend that keeps SQLite databases in a flat,
// growable "stable memory" (see Memory), in process or in an image file
// that survives restarts. FORMAT.md documents the layout, README.md the
// guarantees and figures.
//
// The package by concept: backend.go (the Backend and its opening),
// files.go (SQLite's file names), volume.go (an open file), extents.go
// (file data in the memory's pages), commit.go (the overlay of changed
// blocks and its atomic commit), message.go (update and query messages),
// meter.go (what a message costs, and its limits), layout.go (the
// directory's encoding), memory.go and image.go (the memories: in process,
// and an image file with its redo log), export.go (a database out and in),
// shared.go (the memories a DSN names).
package stable
