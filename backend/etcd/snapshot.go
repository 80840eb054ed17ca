package etcd

import (
	"errors"
	"fmt"
	"strconv"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// view is one committed state of a file, as a read snapshot sees it: the
// head, and the revision its pages are read at. A read transaction (SQLite's
// SHARED lock) takes one view and reads every page at it, so it sees one
// snapshot whatever commits meanwhile; readers never wait for a writer.
type view struct {
	exists  bool
	head    head
	headRev int64 // ModRevision of the head key: the last commit's revision
	rev     int64 // the revision the view was read at
	// readRev is the revision pages are read at: rev, or, while a commit too
	// large for one etcd transaction is being staged, the revision just
	// before its staging began (its pages are already written, not yet
	// committed).
	readRev int64
}

// maxLogFetch is how many change-log entries a view reads at most; a cache
// further behind starts over.
const maxLogFetch = 64

// readView takes a view of the file with one linearizable etcd
// transaction, which also reads the staging marker and the change-log
// entries the process's cache has not seen yet.
func (f *file) readView() (view, error) {
	f.mu.Lock()
	ops := []clientv3.Op{clientv3.OpGet(f.keys.head), clientv3.OpGet(f.keys.staging)}
	if f.cacheSet {
		ops = append(ops, clientv3.OpGet(f.keys.gen(f.cacheGen+1), clientv3.WithRange(clientv3.GetPrefixRangeEnd(f.keys.log)),
			clientv3.WithLimit(maxLogFetch)))
	}
	f.mu.Unlock()
	resp, err := f.b.txn(nil, ops, nil)
	if err != nil {
		return view{}, f.b.wrapErr("etcd: reading the head of "+f.name, err)
	}
	f.b.stats.snapshots.Add(1)
	v := view{rev: resp.Header.Revision, readRev: resp.Header.Revision}
	if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
		if v.head, err = decodeHead(kvs[0].Value); err != nil {
			return view{}, fmt.Errorf("etcd: %s: %w", f.name, err)
		}
		v.exists, v.headRev = true, kvs[0].ModRevision
	}
	if kvs := resp.Responses[1].GetResponseRange().Kvs; len(kvs) > 0 {
		v.readRev = kvs[0].CreateRevision - 1
	}
	logs := map[uint64]change{}
	if len(resp.Responses) > 2 {
		for _, kv := range resp.Responses[2].GetResponseRange().Kvs {
			g, err := strconv.ParseUint(string(kv.Key[len(f.keys.log):]), 16, 64)
			if err != nil {
				continue
			}
			c, err := decodeChange(kv.Value)
			if err != nil {
				c = change{all: true} // unreadable: drop the whole cache rather than trust it
			}
			logs[g] = c
		}
	}
	f.advance(v, logs)
	return v, nil
}

// block reads committed block blk of the file as of v into p (BlockSize
// bytes): from the cache when v is the state it holds, else from etcd.
func (f *file) block(v view, blk uint64, p []byte) error {
	if int64(blk)*BlockSize >= v.head.size {
		clear(p) // no page key exists past the committed size
		return nil
	}
	f.mu.Lock()
	cacheable, epoch := f.cacheable(v), f.epoch
	f.mu.Unlock()
	if cacheable && f.b.cache.get(f, blk, epoch, p) {
		f.b.stats.cacheHits.Add(1)
		return nil
	}
	if err := f.fetch(v, blk, p); err != nil {
		return err
	}
	if cacheable {
		f.mu.Lock()
		if f.cacheable(v) && f.epoch == epoch {
			f.b.cache.put(f, blk, epoch, p)
		}
		f.mu.Unlock()
	}
	return nil
}

// fetch reads block blk at v.readRev from the member the client talks to
// (a serializable read: the revision fixes the answer), or through the
// leader if that member has not caught up to the revision yet.
func (f *file) fetch(v view, blk uint64, p []byte) error {
	key := f.keys.page(blk)
	resp, err := f.b.get(key, clientv3.WithRev(v.readRev), clientv3.WithSerializable())
	if errors.Is(err, rpctypes.ErrFutureRev) {
		resp, err = f.b.get(key, clientv3.WithRev(v.readRev))
	}
	if err != nil {
		return f.b.wrapErr(fmt.Sprintf("etcd: reading page %d of %s at revision %d", blk, f.name, v.readRev), err)
	}
	f.b.stats.pageReads.Add(1)
	if len(resp.Kvs) == 0 {
		clear(p) // a hole
		return nil
	}
	if err := decodePage(blk, resp.Kvs[0].Value, p); err != nil {
		return fmt.Errorf("etcd: %s: %w", f.name, err)
	}
	return nil
}
