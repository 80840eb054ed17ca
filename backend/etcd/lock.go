package etcd

import (
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// writer is the cluster's write lock on a file, as this process holds it.
//
// The lock is the file's lock key, created only if absent and attached to
// the process's lease: when the process dies, or pauses past the lease's
// TTL, etcd deletes it and another process can take it. Fencing: every
// write the holder makes compares the lock key's ModRevision with the one
// it created (or last fenced), in the same etcd transaction, so a holder
// whose key is gone, or was taken by another, can never write again.
type writer struct {
	held   bool
	lease  clientv3.LeaseID
	modRev int64 // the lock key's ModRevision while we hold it
	since  int64 // the revision we took it at
	users  int   // volumes holding SQLite's RESERVED lock or above on it
	// recover is set when a staged commit of ours did not finish: its
	// marker must be cleared before the next commit.
	recover   bool
	linger    *time.Timer
	lingerSeq uint64
}

// acquire takes the write lock for a transaction whose snapshot is snap
// (SQLite's RESERVED lock). It fails with ErrLocked while another process
// holds it and with ErrConflict if the file changed since snap (the
// transaction read stale pages and must start over). f.wmu is held.
func (f *file) acquire(snap view) error {
	w := &f.w
	w.lingerSeq++
	if w.linger != nil {
		w.linger.Stop()
		w.linger = nil
	}
	if w.held && w.lease != f.b.currentLease() {
		w.held = false // the lease is gone, and the key with it
	}
	if w.held {
		f.mu.Lock()
		known := f.known
		f.mu.Unlock()
		// Held since before the snapshot, and no commit of ours since: no
		// one else can have committed.
		if snap.rev >= w.since && snap.headRev == known.headRev {
			w.users++
			return nil
		}
		resp, err := f.b.txn([]clientv3.Cmp{f.lockIsOurs(), f.headIs(snap.headRev)}, nil,
			[]clientv3.Op{clientv3.OpGet(f.keys.lock), clientv3.OpGet(f.keys.head)})
		if err != nil {
			return f.b.wrapErr("etcd: checking the write lock on "+f.name, err)
		}
		if resp.Succeeded {
			w.users++
			return nil
		}
		if !f.ours(resp.Responses[0].GetResponseRange().Kvs) {
			w.held = false
		} else {
			f.b.stats.conflicts.Add(1)
			return fmt.Errorf("%s: %w", f.name, ErrConflict)
		}
	}
	return f.take(snap)
}

// take creates the lock key if it is absent and the head is still snap's.
func (f *file) take(snap view) error {
	w := &f.w
	lease, err := f.b.leaseID()
	if err != nil {
		return err
	}
	resp, err := f.b.txn(
		[]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(f.keys.lock), "=", 0), f.headIs(snap.headRev)},
		[]clientv3.Op{clientv3.OpPut(f.keys.lock, f.b.owner, clientv3.WithLease(lease)), clientv3.OpGet(f.keys.staging)},
		[]clientv3.Op{clientv3.OpGet(f.keys.lock), clientv3.OpGet(f.keys.head)})
	if errors.Is(err, rpctypes.ErrLeaseNotFound) {
		f.b.leaseLost(lease)
	}
	if err != nil {
		return f.b.wrapErr("etcd: taking the write lock on "+f.name, err)
	}
	if !resp.Succeeded {
		lk := resp.Responses[0].GetResponseRange().Kvs
		switch {
		case len(lk) > 0 && f.ours(lk):
			// An earlier request of ours took it, and its answer was lost.
			w.held, w.lease, w.modRev, w.since = true, lease, lk[0].ModRevision, lk[0].ModRevision
			if hd := resp.Responses[1].GetResponseRange().Kvs; headRevOf(hd) != snap.headRev {
				f.b.stats.conflicts.Add(1)
				return fmt.Errorf("%s: %w", f.name, ErrConflict)
			}
		case len(lk) > 0:
			f.b.stats.conflicts.Add(1)
			return fmt.Errorf("%s: %w (held by %s)", f.name, ErrLocked, lk[0].Value)
		default:
			f.b.stats.conflicts.Add(1)
			return fmt.Errorf("%s: %w", f.name, ErrConflict)
		}
	} else {
		w.held, w.lease, w.modRev, w.since = true, lease, resp.Header.Revision, resp.Header.Revision
		if len(resp.Responses[1].GetResponseRange().Kvs) > 0 {
			w.recover = true
		}
	}
	if w.recover {
		if err := f.recoverStaging(); err != nil {
			return err
		}
	}
	w.users++
	return nil
}

// done ends one volume's use of the write lock; the last one releases it
// after LockLinger, unless a new transaction takes it again first. f.wmu
// is held.
func (f *file) done() {
	w := &f.w
	if w.users > 0 {
		w.users--
	}
	if w.users > 0 || !w.held {
		return
	}
	if f.b.cfg.LockLinger <= 0 {
		f.release()
		return
	}
	w.lingerSeq++
	seq := w.lingerSeq
	w.linger = time.AfterFunc(f.b.cfg.LockLinger, func() {
		f.wmu.Lock()
		defer f.wmu.Unlock()
		if w.lingerSeq == seq && w.users == 0 {
			f.release()
		}
	})
}

// release deletes the lock key if it is still ours. If that fails the
// lease still ends it. f.wmu is held.
func (f *file) release() {
	w := &f.w
	if !w.held {
		return
	}
	w.held = false
	if w.linger != nil {
		w.linger.Stop()
		w.linger = nil
	}
	f.b.txn([]clientv3.Cmp{f.lockIsOurs()}, []clientv3.Op{clientv3.OpDelete(f.keys.lock)}, nil)
}

// lockIsOurs compares the lock key with the one we hold: the fence.
func (f *file) lockIsOurs() clientv3.Cmp {
	return clientv3.Compare(clientv3.ModRevision(f.keys.lock), "=", f.w.modRev)
}

// headIs compares the head's revision with the one a snapshot saw.
func (f *file) headIs(rev int64) clientv3.Cmp {
	return clientv3.Compare(clientv3.ModRevision(f.keys.head), "=", rev)
}

// ours reports whether the lock key read is this process's, under its
// current lease.
func (f *file) ours(kvs []*mvccpbKV) bool {
	return len(kvs) > 0 && string(kvs[0].Value) == f.b.owner && clientv3.LeaseID(kvs[0].Lease) == f.b.currentLease()
}

func headRevOf(kvs []*mvccpbKV) int64 {
	if len(kvs) == 0 {
		return 0
	}
	return kvs[0].ModRevision
}
