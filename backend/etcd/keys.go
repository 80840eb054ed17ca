package etcd

import (
	"fmt"
	"net/url"

	"go.etcd.io/etcd/api/v3/mvccpb"
)

// BlockSize is the size of one page key's data: SQLite's default page
// size. A file's byte range [i*BlockSize, (i+1)*BlockSize) is the value of
// its page key i; a page key that does not exist reads as zeros.
const BlockSize = 4096

// The key layout under a prefix P (see doc.go):
//
//	P db/NAME/h          head: generation, size, incarnation, commit nonce
//	P db/NAME/l          the writer lock, attached to the holder's lease
//	P db/NAME/p/BLOCK    one BlockSize page (16 hex digits)
//	P db/NAME/g/GEN      the blocks commit GEN changed (16 hex digits)
//	P staging/NAME       marker of a commit staged over several etcd transactions
//	P pins/LEASE         the oldest revision a process may still read at
//
// NAME is the file name path-escaped, so that it holds no slash and one
// file's range never contains another's.
type fileKeys struct {
	root, head, lock, pages, log, staging string
}

func newFileKeys(prefix, name string) fileKeys {
	root := prefix + "db/" + url.PathEscape(name) + "/"
	return fileKeys{
		root:    root,
		head:    root + "h",
		lock:    root + "l",
		pages:   root + "p/",
		log:     root + "g/",
		staging: prefix + "staging/" + url.PathEscape(name),
	}
}

func (k fileKeys) page(blk uint64) string { return fmt.Sprintf("%s%016x", k.pages, blk) }
func (k fileKeys) gen(g uint64) string    { return fmt.Sprintf("%s%016x", k.log, g) }

func pinsPrefix(prefix string) string    { return prefix + "pins/" }
func stagingPrefix(prefix string) string { return prefix + "staging/" }
func pinKey(prefix string, lease int64) string {
	return fmt.Sprintf("%s%016x", pinsPrefix(prefix), lease)
}

// mvccpbKV is a key-value pair as etcd returns it.
type mvccpbKV = mvccpb.KeyValue
