package etcd

import (
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// recoverStaging rolls back a staged commit that never finished (its
// writer died, or lost the lock, between its first transaction and its
// last): the file's staging marker is there, and page keys written since
// it (at or after its CreateRevision) hold uncommitted data. Each is put
// back to its value just before the marker (deleted if it did not exist
// then): that revision is never compacted while the marker exists (see
// session). Every write is fenced by the lock, which the caller holds;
// running it again after a failure is harmless. f.wmu is held.
func (f *file) recoverStaging() error {
	// Fence first: a transaction of ours whose answer was lost must not
	// apply after the pages are put back.
	if err := f.fence(); err != nil {
		return err
	}
	resp, err := f.b.get(f.keys.staging)
	if err != nil {
		return f.b.wrapErr("etcd: reading the staging marker of "+f.name, err)
	}
	if len(resp.Kvs) == 0 {
		f.w.recover = false
		return nil
	}
	marker := resp.Kvs[0]
	base := marker.CreateRevision - 1
	keys, err := f.stagedKeys(marker)
	if err != nil {
		return err
	}
	fence := []clientv3.Cmp{f.lockIsOurs()}
	for start := 0; start < len(keys); {
		end := min(start+f.b.cfg.MaxTxnOps, len(keys))
		var gets []clientv3.Op
		for _, k := range keys[start:end] {
			gets = append(gets, clientv3.OpGet(k, clientv3.WithRev(base)))
		}
		old, err := f.b.txn(nil, gets, nil)
		if err != nil {
			return f.b.wrapErr(fmt.Sprintf("etcd: reading %s at revision %d to roll back a staged commit", f.name, base), err)
		}
		// Put back in requests within the cluster's limits.
		var ops []clientv3.Op
		bytes := 0
		flush := func() error {
			if len(ops) == 0 {
				return nil
			}
			r, err := f.b.txn(fence, ops, nil)
			if err != nil {
				return f.b.wrapErr("etcd: rolling back a staged commit of "+f.name, err)
			}
			if !r.Succeeded {
				f.w.held = false
				return fmt.Errorf("%s: %w", f.name, ErrLockLost)
			}
			ops, bytes = nil, 0
			return nil
		}
		for i, k := range keys[start:end] {
			var op clientv3.Op
			cost := len(k) + 16
			if kvs := old.Responses[i].GetResponseRange().Kvs; len(kvs) > 0 {
				op, cost = clientv3.OpPut(k, string(kvs[0].Value)), cost+len(kvs[0].Value)
			} else {
				op = clientv3.OpDelete(k)
			}
			if len(ops) == f.b.cfg.MaxTxnOps-1 || bytes+cost > f.b.requestBudget() {
				if err := flush(); err != nil {
					return err
				}
			}
			ops, bytes = append(ops, op), bytes+cost
		}
		if err := flush(); err != nil {
			return err
		}
		start = end
	}
	r, err := f.b.txn(fence, []clientv3.Op{clientv3.OpDelete(f.keys.staging)}, nil)
	if err != nil {
		return f.b.wrapErr("etcd: clearing the staging marker of "+f.name, err)
	}
	if !r.Succeeded {
		f.w.held = false
		return fmt.Errorf("%s: %w", f.name, ErrLockLost)
	}
	f.w.recover = false
	f.b.stats.recoveries.Add(1)
	return nil
}

// stagedKeys lists the page keys a staged commit may have written: the
// blocks its marker lists, or, if it lists none, every page key of the
// file written since the marker (a scan of the file's keys on the server).
func (f *file) stagedKeys(marker *mvccpbKV) ([]string, error) {
	if len(marker.Value) > 0 {
		c, err := decodeChange(marker.Value)
		if err != nil {
			return nil, fmt.Errorf("etcd: the staging marker of %s: %w", f.name, err)
		}
		keys := make([]string, len(c.blocks))
		for i, blk := range c.blocks {
			keys[i] = f.keys.page(blk)
		}
		return keys, nil
	}
	resp, err := f.b.get(f.keys.pages, clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithMinModRev(marker.CreateRevision))
	if err != nil {
		return nil, f.b.wrapErr("etcd: listing the staged pages of "+f.name, err)
	}
	keys := make([]string, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		keys[i] = string(kv.Key)
	}
	return keys, nil
}

// fence rewrites the lock key, if still ours, so that its ModRevision
// changes: no transaction sent before can apply any more.
func (f *file) fence() error {
	r, err := f.b.txn([]clientv3.Cmp{f.lockIsOurs()},
		[]clientv3.Op{clientv3.OpPut(f.keys.lock, f.b.owner, clientv3.WithIgnoreLease())}, nil)
	if err != nil {
		return f.b.wrapErr("etcd: fencing the write lock on "+f.name, err)
	}
	if !r.Succeeded {
		f.w.held = false
		return fmt.Errorf("%s: %w", f.name, ErrLockLost)
	}
	f.w.modRev = r.Header.Revision
	return nil
}
