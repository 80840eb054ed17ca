// Package stable is a backend that keeps SQLite databases in a flat,
// growable "stable memory" (see Memory), in process or in an image file
// that survives restarts. FORMAT.md documents the layout.
package stable
