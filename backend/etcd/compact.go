package etcd

import (
	"errors"
	"strconv"
	"sync"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// compactor compacts the cluster's history after this process has
// committed CompactEvery bytes, so that the history of rewritten pages does
// not fill the cluster's space quota. It compacts to the oldest revision
// anyone may still read at: the least of every process's pin (session) and
// of every staging marker's base.
type compactor struct {
	mu      sync.Mutex
	written int64
	running bool
	last    int64 // the revision of our last compaction
}

// noteCommitted counts a commit's bytes, and starts a compaction in the
// background when enough have been written.
func (b *Backend) noteCommitted(bytes int64) {
	if b.cfg.CompactEvery <= 0 {
		return
	}
	c := &b.comp
	c.mu.Lock()
	defer c.mu.Unlock()
	c.written += bytes
	if c.written < b.cfg.CompactEvery || c.running {
		return
	}
	c.written, c.running = 0, true
	go func() {
		b.Compact()
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
	}()
}

// Compact compacts the cluster's history up to the oldest revision a
// process may still read at (see session), and returns that revision. The
// backend calls it itself every compact-every bytes committed; a
// compaction another client already took further is no error.
func (b *Backend) Compact() (int64, error) {
	if err := b.advancePin(); err != nil { // our own pin need not lag
		return 0, err
	}
	resp, err := b.txn(nil, []clientv3.Op{
		clientv3.OpGet(pinsPrefix(b.cfg.Prefix), clientv3.WithPrefix()),
		clientv3.OpGet(stagingPrefix(b.cfg.Prefix), clientv3.WithPrefix(), clientv3.WithKeysOnly()),
	}, nil)
	if err != nil {
		return 0, b.wrapErr("etcd: reading pins before compacting", err)
	}
	rev := resp.Header.Revision
	for _, kv := range resp.Responses[0].GetResponseRange().Kvs {
		if pin, err := strconv.ParseInt(string(kv.Value), 10, 64); err == nil && pin > 0 {
			rev = min(rev, pin)
		}
	}
	for _, kv := range resp.Responses[1].GetResponseRange().Kvs {
		rev = min(rev, kv.CreateRevision-1)
	}
	b.comp.mu.Lock()
	last := b.comp.last
	b.comp.mu.Unlock()
	if rev <= last || rev <= 1 {
		return last, nil
	}
	cli, err := b.client()
	if err != nil {
		return 0, err
	}
	ctx, cancel := b.cmd()
	defer cancel()
	if _, err := cli.Compact(ctx, rev); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
		return 0, b.wrapErr("etcd: compacting", err)
	}
	b.comp.mu.Lock()
	b.comp.last = max(b.comp.last, rev)
	b.comp.mu.Unlock()
	b.stats.compactions.Add(1)
	b.stats.compacted.Store(rev)
	return rev, nil
}
