package etcd

import (
	"context"
	"math"
	"strconv"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// session is the process's lease and its pin. The lease carries the
// writer locks the process holds and its pin key; when the process dies or
// stops answering, etcd deletes both after LeaseTTL.
//
// The pin is a revision no newer than any revision the process may read
// at, now or later; compaction (compact.go) never passes the oldest pin.
// The invariant holds because a pin is only ever set to the least of (a) the
// revision of a read made just before, (b) the bound of every snapshot in
// use, and (c) the base of every staging marker that existed then: any
// later snapshot is taken after (a) and reads at a revision at least (a),
// or at the base of a marker, which is at least (a) if the marker is newer.
type session struct {
	mu      sync.Mutex
	lease   clientv3.LeaseID // 0: none (not yet granted, or lost)
	pinned  int64            // the revision our pin key holds
	readers map[*reader]struct{}
	running bool // the pin updater
}

// reader is a snapshot in use: it reads at revisions of at least bound.
type reader struct{ bound int64 }

// leaseID returns the process's lease, granting one (and writing its pin)
// if there is none.
func (b *Backend) leaseID() (clientv3.LeaseID, error) {
	s := &b.sess
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lease != 0 {
		return s.lease, nil
	}
	cli, err := b.client()
	if err != nil {
		return 0, err
	}
	ctx, cancel := b.cmd()
	defer cancel()
	ttl := int64(math.Ceil(b.cfg.LeaseTTL.Seconds()))
	g, err := cli.Grant(ctx, ttl)
	if err != nil {
		return 0, b.wrapErr("etcd: granting a lease", err)
	}
	ch, err := cli.KeepAlive(b.life, g.ID)
	if err != nil {
		return 0, b.wrapErr("etcd: keeping the lease alive", err)
	}
	go b.watchLease(g.ID, ch)
	floor, err := b.markersFloor(ctx)
	if err != nil {
		return 0, err
	}
	pin := s.readersFloor(floor)
	if _, err := cli.Put(ctx, pinKey(b.cfg.Prefix, int64(g.ID)), strconv.FormatInt(pin, 10), clientv3.WithLease(g.ID)); err != nil {
		return 0, b.wrapErr("etcd: writing the process's pin", err)
	}
	s.lease, s.pinned = g.ID, pin
	b.stats.leases.Add(1)
	if !s.running {
		s.running = true
		go b.updatePins()
	}
	return s.lease, nil
}

// watchLease drains the lease's keep-alive answers; when they stop (the
// lease expired, or the backend closed), the lease is gone.
func (b *Backend) watchLease(id clientv3.LeaseID, ch <-chan *clientv3.LeaseKeepAliveResponse) {
	for range ch {
	}
	b.leaseLost(id)
}

// leaseLost forgets a lease etcd no longer knows.
func (b *Backend) leaseLost(id clientv3.LeaseID) {
	b.sess.mu.Lock()
	if b.sess.lease == id {
		b.sess.lease, b.sess.pinned = 0, 0
	}
	b.sess.mu.Unlock()
}

// currentLease returns the lease the process holds now (0: none).
func (b *Backend) currentLease() clientv3.LeaseID {
	b.sess.mu.Lock()
	defer b.sess.mu.Unlock()
	return b.sess.lease
}

// pinReader registers a snapshot about to be taken; its bound is the pin,
// which no read the process makes from now on can be older than. The
// caller raises it to the snapshot's revision once known (setBound).
func (b *Backend) pinReader() (*reader, error) {
	if _, err := b.leaseID(); err != nil {
		return nil, err
	}
	s := &b.sess
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readers == nil {
		s.readers = map[*reader]struct{}{}
	}
	r := &reader{bound: s.pinned}
	s.readers[r] = struct{}{}
	return r, nil
}

func (b *Backend) setBound(r *reader, rev int64) {
	b.sess.mu.Lock()
	r.bound = rev
	b.sess.mu.Unlock()
}

func (b *Backend) unpin(r *reader) {
	if r == nil {
		return
	}
	b.sess.mu.Lock()
	delete(b.sess.readers, r)
	b.sess.mu.Unlock()
}

// markersFloor reads the staging markers (see session): the read's
// revision, lowered to the base of every marker.
func (b *Backend) markersFloor(ctx context.Context) (int64, error) {
	cli, err := b.client()
	if err != nil {
		return 0, err
	}
	resp, err := cli.Get(ctx, stagingPrefix(b.cfg.Prefix), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, b.wrapErr("etcd: reading staging markers", err)
	}
	floor := resp.Header.Revision
	for _, kv := range resp.Kvs {
		floor = min(floor, kv.CreateRevision-1)
	}
	return floor, nil
}

// readersFloor lowers floor to the bound of every snapshot in use; s.mu
// is held.
func (s *session) readersFloor(floor int64) int64 {
	for r := range s.readers {
		floor = min(floor, r.bound)
	}
	return floor
}

// pinInterval is how often the pin moves forward.
func (b *Backend) pinInterval() time.Duration {
	return min(time.Second, b.cfg.LeaseTTL/4)
}

// updatePins moves the process's pin forward every pinInterval while the
// backend is open, so that compaction can proceed as snapshots end.
func (b *Backend) updatePins() {
	t := time.NewTicker(b.pinInterval())
	defer t.Stop()
	for {
		select {
		case <-b.life.Done():
			return
		case <-t.C:
			b.advancePin()
		}
	}
}

// advancePin moves the process's pin to the oldest revision it may still
// read at (see session).
func (b *Backend) advancePin() error {
	b.sess.mu.Lock()
	lease, pinned := b.sess.lease, b.sess.pinned
	b.sess.mu.Unlock()
	if lease == 0 {
		return nil
	}
	ctx, cancel := b.cmd()
	defer cancel()
	floor, err := b.markersFloor(ctx)
	if err != nil {
		return err
	}
	b.sess.mu.Lock()
	pin := b.sess.readersFloor(floor)
	b.sess.mu.Unlock()
	if pin <= pinned {
		return nil
	}
	cli, err := b.client()
	if err != nil {
		return err
	}
	if _, err := cli.Put(ctx, pinKey(b.cfg.Prefix, int64(lease)), strconv.FormatInt(pin, 10), clientv3.WithLease(lease)); err != nil {
		return b.wrapErr("etcd: moving the process's pin", err)
	}
	b.sess.mu.Lock()
	if b.sess.lease == lease {
		b.sess.pinned = max(b.sess.pinned, pin)
	}
	b.sess.mu.Unlock()
	return nil
}
