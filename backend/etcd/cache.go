package etcd

import (
	"container/list"
	"sync"
)

// pageCache is the process's cache of committed pages, least recently used
// first out, bounded in bytes. An entry belongs to one file and one of its
// epochs; a file bumps its epoch to drop all of its entries at once (see
// file.advance for when an entry is valid).
type pageCache struct {
	mu   sync.Mutex
	max  int64
	used int64
	ll   list.List // of *cacheEntry, most recent at the front
	m    map[cacheKey]*list.Element
}

type cacheKey struct {
	f   *file
	blk uint64
}

type cacheEntry struct {
	key   cacheKey
	epoch uint64
	data  []byte
}

func newPageCache(max int64) *pageCache {
	return &pageCache{max: max, m: map[cacheKey]*list.Element{}}
}

// get copies the cached block into p and reports whether it was there.
func (c *pageCache) get(f *file, blk, epoch uint64, p []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.m[cacheKey{f, blk}]
	if el == nil {
		return false
	}
	e := el.Value.(*cacheEntry)
	if e.epoch != epoch {
		c.remove(el)
		return false
	}
	c.ll.MoveToFront(el)
	copy(p, e.data)
	return true
}

// put caches a copy of data as block blk of f.
func (c *pageCache) put(f *file, blk, epoch uint64, data []byte) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cacheKey{f, blk}
	if el := c.m[k]; el != nil {
		e := el.Value.(*cacheEntry)
		e.epoch = epoch
		copy(e.data, data)
		c.ll.MoveToFront(el)
		return
	}
	e := &cacheEntry{key: k, epoch: epoch, data: append(make([]byte, 0, len(data)), data...)}
	c.m[k] = c.ll.PushFront(e)
	c.used += int64(len(e.data))
	for c.used > c.max {
		c.remove(c.ll.Back())
	}
}

// drop forgets block blk of f.
func (c *pageCache) drop(f *file, blk uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.m[cacheKey{f, blk}]; el != nil {
		c.remove(el)
	}
}

// dropFrom forgets every cached block of f at index from or above.
func (c *pageCache) dropFrom(f *file, from uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, el := range c.m {
		if k.f == f && k.blk >= from {
			c.remove(el)
		}
	}
}

// clear forgets everything.
func (c *pageCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.m)
	c.used = 0
}

func (c *pageCache) remove(el *list.Element) {
	e := c.ll.Remove(el).(*cacheEntry)
	delete(c.m, e.key)
	c.used -= int64(len(e.data))
}
