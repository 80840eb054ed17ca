package etcd

import (
	"sync"

	"github.com/stablesqlite/stablesqlite/backend/locking"
)

// file is what the process keeps about one database file in etcd: the lock
// protocol among its own connections, the newest committed state it has
// seen, which of its pages the cache holds, the writes not yet committed,
// and the cluster's write lock when the process holds it.
type file struct {
	b    *Backend
	name string
	keys fileKeys
	lock locking.File // SQLite's lock protocol among this process's volumes

	mu       sync.Mutex
	opens    int
	known    view     // the newest committed state seen (by rev)
	cacheSet bool     // cacheInc and cacheGen say which state the cached pages are of
	cacheInc uint64   // incarnation of the file the cached pages belong to
	cacheGen uint64   // generation they are valid at
	epoch    uint64   // bumped to drop every cached page of the file at once
	ov       *overlay // pending writes; nil when there are none
	inBatch  bool     // SQLite's atomic batch is open

	wmu sync.Mutex // serialises the cluster lock and commits (held across requests)
	w   writer
}

// cacheable reports whether pages read at v may go into (or come from) the
// cache: v is the state the cache is at. f.mu is held.
func (f *file) cacheable(v view) bool {
	return f.b.cache.max > 0 && f.cacheSet && v.exists &&
		v.head.incarnation == f.cacheInc && v.head.gen == f.cacheGen
}

// dropCache forgets every cached page of f. f.mu is held.
func (f *file) dropCache() { f.epoch++ }

// apply drops the cached pages that commit c changed. f.mu is held.
func (f *file) apply(c change) {
	if c.all {
		f.dropCache()
		return
	}
	for _, blk := range c.blocks {
		f.b.cache.drop(f, blk)
	}
	if c.cutAt > 0 {
		f.b.cache.dropFrom(f, c.cutAt-1)
	}
}

// advance records a view just read and brings the cache to it: from the
// generation the cache is at to the view's, the change log says which
// pages changed (logs holds the entries read with the view, by
// generation); without every entry in between, the cache starts over.
func (f *file) advance(v view, logs map[uint64]change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v.rev > f.known.rev {
		f.known = v
	}
	switch {
	case !v.exists:
		f.dropCache()
		f.cacheSet = false
	case !f.cacheSet || v.head.incarnation != f.cacheInc:
		f.dropCache()
		f.cacheSet, f.cacheInc, f.cacheGen = true, v.head.incarnation, v.head.gen
	case v.head.gen > f.cacheGen:
		for g := f.cacheGen + 1; g <= v.head.gen; g++ {
			c, ok := logs[g]
			if !ok {
				f.dropCache()
				f.b.stats.cacheResets.Add(1)
				break
			}
			f.apply(c)
		}
		f.cacheGen = v.head.gen
	}
}

// committed records this process's own commit, which took the file from
// state base to nv by change c, writing blocks: those pages are cached as
// written.
func (f *file) committed(base, nv view, c change, blocks map[uint64][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if nv.rev > f.known.rev {
		f.known = nv
	}
	if !f.cacheable(base) {
		return // the cache is at another state; the change log brings it here
	}
	f.apply(c)
	f.cacheGen = nv.head.gen
	for blk, data := range blocks {
		f.b.cache.put(f, blk, f.epoch, data)
	}
}
