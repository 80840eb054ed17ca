package etcd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
)

// ErrCorrupt is wrapped by the error of a read that found a value in etcd
// that is not what this backend wrote (a bad checksum, a wrong length, an
// unknown version): SQLite sees an I/O error, never the bytes.
var ErrCorrupt = errors.New("etcd: corrupt value")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// head is the value of a file's head key. Its etcd ModRevision is the
// revision of the file's last commit; every commit compares it.
type head struct {
	incarnation uint64 // chosen when the file is created: a recreated file is another file
	gen         uint64 // commits so far
	size        int64  // file size in bytes
	nonce       uint64 // chosen by the commit that wrote it, to recognise it later
}

const headMagic = "SSQLH1"

const headLen = len(headMagic) + 8*4 + 4 + 4 // magic, four fields, block size, crc

func (h head) encode() []byte {
	b := make([]byte, 0, headLen)
	b = append(b, headMagic...)
	b = binary.LittleEndian.AppendUint64(b, h.incarnation)
	b = binary.LittleEndian.AppendUint64(b, h.gen)
	b = binary.LittleEndian.AppendUint64(b, uint64(h.size))
	b = binary.LittleEndian.AppendUint64(b, h.nonce)
	b = binary.LittleEndian.AppendUint32(b, BlockSize)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func decodeHead(b []byte) (head, error) {
	if len(b) != headLen || string(b[:len(headMagic)]) != headMagic {
		return head{}, fmt.Errorf("%w: head of %d bytes is not a version-1 head", ErrCorrupt, len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return head{}, fmt.Errorf("%w: head checksum mismatch", ErrCorrupt)
	}
	p := body[len(headMagic):]
	h := head{
		incarnation: binary.LittleEndian.Uint64(p[0:]),
		gen:         binary.LittleEndian.Uint64(p[8:]),
		size:        int64(binary.LittleEndian.Uint64(p[16:])),
		nonce:       binary.LittleEndian.Uint64(p[24:]),
	}
	if bs := binary.LittleEndian.Uint32(p[32:]); bs != BlockSize {
		return head{}, fmt.Errorf("%w: head says blocks of %d bytes, this backend uses %d", ErrCorrupt, bs, BlockSize)
	}
	if h.size < 0 {
		return head{}, fmt.Errorf("%w: head says size %d", ErrCorrupt, h.size)
	}
	return h, nil
}

// A page value is the block's checksum (over its index and its data, so
// that a value stored under the wrong key is caught too) then the data.
const pageLen = 4 + BlockSize

func encodePage(blk uint64, data []byte) []byte {
	b := make([]byte, 4, pageLen)
	b = append(b, data...)
	binary.LittleEndian.PutUint32(b, pageSum(blk, data))
	return b
}

func pageSum(blk uint64, data []byte) uint32 {
	var idx [8]byte
	binary.LittleEndian.PutUint64(idx[:], blk)
	return crc32.Update(crc32.Checksum(idx[:], castagnoli), castagnoli, data)
}

// decodePage checks a page value and copies its data into p (BlockSize
// bytes).
func decodePage(blk uint64, v []byte, p []byte) error {
	if len(v) != pageLen {
		return fmt.Errorf("%w: page %d has %d bytes, want %d", ErrCorrupt, blk, len(v), pageLen)
	}
	data := v[4:]
	if pageSum(blk, data) != binary.LittleEndian.Uint32(v) {
		return fmt.Errorf("%w: page %d checksum mismatch", ErrCorrupt, blk)
	}
	copy(p, data)
	return nil
}

// change is what one commit changed: the blocks it wrote, and, if it cut
// the file, the first block index it removed (blocks from there on are
// gone). A commit whose list would be too large records all instead, and
// every cache drops the whole file.
type change struct {
	blocks []uint64 // sorted
	cutAt  uint64   // 0: none; else first removed block + 1
	all    bool
}

const logVersion = 1

// encode writes the blocks as runs: the number of runs, then for each the
// gap from the previous run's end and the run's length, all as uvarints.
func (c change) encode() []byte {
	b := []byte{logVersion}
	flags := byte(0)
	if c.all {
		flags = 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, c.cutAt)
	var runs [][2]uint64
	for _, blk := range c.blocks {
		if n := len(runs); n > 0 && runs[n-1][0]+runs[n-1][1] == blk {
			runs[n-1][1]++
			continue
		}
		runs = append(runs, [2]uint64{blk, 1})
	}
	if c.all {
		runs = nil
	}
	b = binary.AppendUvarint(b, uint64(len(runs)))
	prev := uint64(0)
	for _, r := range runs {
		b = binary.AppendUvarint(b, r[0]-prev)
		b = binary.AppendUvarint(b, r[1])
		prev = r[0] + r[1]
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// maxLogBlocks bounds the blocks one decoded log entry may list.
const maxLogBlocks = 1 << 24

func decodeChange(b []byte) (change, error) {
	bad := func(what string) (change, error) {
		return change{}, fmt.Errorf("%w: change log entry: %s", ErrCorrupt, what)
	}
	if len(b) < 7 || b[0] != logVersion {
		return bad("unknown version")
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return bad("checksum mismatch")
	}
	c := change{all: body[1]&1 != 0}
	p := body[2:]
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, false
		}
		p = p[n:]
		return v, true
	}
	var ok bool
	if c.cutAt, ok = next(); !ok {
		return bad("truncated")
	}
	nruns, ok := next()
	if !ok {
		return bad("truncated")
	}
	prev := uint64(0)
	for range nruns {
		gap, ok1 := next()
		n, ok2 := next()
		if !ok1 || !ok2 || n == 0 || uint64(len(c.blocks))+n > maxLogBlocks {
			return bad("bad run")
		}
		for i := range n {
			c.blocks = append(c.blocks, prev+gap+i)
		}
		prev += gap + n
	}
	if len(p) != 0 || !slices.IsSorted(c.blocks) {
		return bad("trailing bytes")
	}
	return c, nil
}
