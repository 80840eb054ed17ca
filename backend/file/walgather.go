package file

import (
	"encoding/binary"
	"io"

	"github.com/stablesqlite/stablesqlite/backend"
)

// SQLite writes the WAL a frame at a time, each as two writes (a 24-byte
// frame header, then the page), so a transaction of a thousand pages costs
// two thousand system calls. A WAL volume gathers them while they follow
// one another, and hands them to the operating system at the latest when
// the write that ends a commit frame returns: that write returns their
// error, which is then the commit's (SQLite handles it); and other
// connections learn of the frames only from the WAL index header that
// SQLite writes after it, so they never look in the file for a frame still
// held here. Every other operation on the volume hands them on first. (Any
// other file is written through at once: see volume.)
type gather struct {
	buf        []byte
	off        int64 // where buf goes
	commitNext bool  // the last write was a commit frame's header: its page ends the commit
}

const (
	maxGather   = 256 << 10
	frameHeader = 24
)

func (g *gather) write(f io.WriterAt, p []byte, off int64) (int, error) {
	if len(g.buf) > 0 && (off != g.off+int64(len(g.buf)) || len(g.buf)+len(p) > maxGather) {
		if err := g.flush(f); err != nil {
			return 0, err
		}
	}
	if len(g.buf) == 0 {
		g.off = off
	}
	g.buf = append(g.buf, p...)
	endsCommit := g.commitNext
	// A frame header holds the page number, then, for the last frame of a
	// commit, the database's size in pages (0 for the others).
	g.commitNext = len(p) == frameHeader && binary.BigEndian.Uint32(p[4:8]) != 0
	if endsCommit || len(g.buf) >= maxGather {
		if err := g.flush(f); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flush hands what is gathered to the operating system.
func (g *gather) flush(f io.WriterAt) error {
	if len(g.buf) == 0 {
		return nil
	}
	_, err := f.WriteAt(g.buf, g.off)
	g.buf = g.buf[:0]
	return backend.OutOfSpace(err)
}
