package etcd

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/stablesqlite/stablesqlite/backend"
)

// logKeep is how many change-log entries a file keeps: a process whose
// cache is further behind than that rereads the pages it needs.
const logKeep = 1000

// Test hooks: testHookStaged, if set, runs after each staged etcd
// transaction of a commit (tests stop a writer half-way); testHookFinish,
// if set, sends the transaction that makes a commit visible (tests lose
// its answer).
var (
	testHookStaged func(name string, chunk int)
	testHookFinish func(send func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error)
)

// plan is one commit: the page puts, and the small final part (head, change
// log, trims) that makes them visible.
type plan struct {
	pages  []clientv3.Op
	sizes  []int // request bytes of each page put
	blocks map[uint64][]byte
	change change
	head   head
	final  []clientv3.Op
	bytes  int // of the final part
}

// opCost is what an op adds to a request, with room for its framing.
func opCost(key string, val []byte) int { return len(key) + len(val) + 16 }

// requestBudget is the bytes of ops one request may carry: the cluster's
// limit less room for the compares and the request's own framing.
func (b *Backend) requestBudget() int { return b.cfg.MaxRequestBytes - 4096 }

func (f *file) plan(ov *overlay) (plan, error) {
	p := plan{blocks: ov.blocks}
	// Committed blocks that were cut off and not written again must read
	// as zeros now: write them as zeros.
	for blk := blocksFor(ov.cut); blk < min(blocksFor(ov.size), blocksFor(ov.base.head.size)); blk++ {
		if p.blocks[blk] == nil {
			p.blocks[blk] = make([]byte, BlockSize)
		}
	}
	if d := p.blocks[0]; d != nil && (d[18] == 2 || d[19] == 2) {
		return p, fmt.Errorf("%s: %w", f.name, ErrNoWAL)
	}
	p.change.blocks = ov.sortedBlocks()
	for _, blk := range p.change.blocks {
		key, val := f.keys.page(blk), encodePage(blk, p.blocks[blk])
		p.pages = append(p.pages, clientv3.OpPut(key, string(val)))
		p.sizes = append(p.sizes, opCost(key, val))
	}
	if ov.size < ov.base.head.size {
		p.change.cutAt = blocksFor(ov.size) + 1
	}
	log := p.change.encode()
	if len(log) > f.b.requestBudget()/4 {
		log = change{all: true, cutAt: p.change.cutAt}.encode()
	}
	var nonce [8]byte
	rand.Read(nonce[:])
	p.head = head{incarnation: ov.base.head.incarnation, gen: ov.base.head.gen + 1, size: ov.size,
		nonce: binary.LittleEndian.Uint64(nonce[:])}
	hv := p.head.encode()
	p.final = []clientv3.Op{clientv3.OpPut(f.keys.head, string(hv)), clientv3.OpPut(f.keys.gen(p.head.gen), string(log))}
	p.bytes = opCost(f.keys.head, hv) + opCost(f.keys.gen(p.head.gen), log)
	if p.head.gen > logKeep {
		p.final = append(p.final, clientv3.OpDelete(f.keys.gen(p.head.gen-logKeep)))
	}
	if p.change.cutAt > 0 {
		p.final = append(p.final, clientv3.OpDelete(f.keys.page(p.change.cutAt-1), clientv3.WithRange(clientv3.GetPrefixRangeEnd(f.keys.pages))))
	}
	p.bytes += 64 * (len(p.final) - 2)
	return p, nil
}

// commit puts the file's pending writes into etcd as one commit and
// returns the committed view (false when nothing was pending). holding
// says the calling volume holds SQLite's RESERVED lock or above, and so the
// cluster's write lock; otherwise (writes made without a lock) the lock is
// taken for this commit alone. On failure the writes are dropped, as a
// rolled-back transaction's.
func (f *file) commit(holding bool) (view, bool, error) {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	f.mu.Lock()
	ov := f.ov
	f.ov = nil
	f.mu.Unlock()
	if ov == nil {
		return view{}, false, nil
	}
	if !ov.base.exists {
		return view{}, false, fmt.Errorf("etcd: %s was deleted: %w", f.name, backend.ErrNotFound)
	}
	w := &f.w
	if holding {
		if !w.held || w.lease != f.b.currentLease() {
			f.b.stats.conflicts.Add(1)
			return view{}, false, fmt.Errorf("%s: %w", f.name, ErrLockLost)
		}
	} else {
		if err := f.acquire(ov.base); err != nil {
			return view{}, false, err
		}
		defer f.done()
	}
	if w.recover {
		if err := f.recoverStaging(); err != nil {
			return view{}, false, err
		}
	}
	p, err := f.plan(ov)
	if err != nil {
		return view{}, false, err
	}
	cmps := []clientv3.Cmp{f.lockIsOurs(), f.headIs(ov.base.headRev)}
	pageBytes := 0
	for _, s := range p.sizes {
		pageBytes += s
	}
	var rev int64
	if len(p.pages)+len(p.final) <= f.b.cfg.MaxTxnOps && pageBytes+p.bytes <= f.b.requestBudget() {
		rev, err = f.finish(cmps, append(p.pages, p.final...), p.head.nonce)
	} else {
		rev, err = f.staged(cmps, p)
	}
	if err != nil {
		return view{}, false, err
	}
	nv := view{exists: true, head: p.head, headRev: rev, rev: rev, readRev: rev}
	f.committed(ov.base, nv, p.change, p.blocks)
	f.b.stats.commits.Add(1)
	f.b.noteCommitted(int64(pageBytes + p.bytes))
	return nv, true, nil
}

// finish runs the transaction that makes a commit visible. If its answer
// is lost, it finds out whether it applied (resolve).
func (f *file) finish(cmps []clientv3.Cmp, ops []clientv3.Op, nonce uint64) (int64, error) {
	send := func() (*clientv3.TxnResponse, error) {
		return f.b.txn(cmps, ops, []clientv3.Op{clientv3.OpGet(f.keys.lock), clientv3.OpGet(f.keys.head)})
	}
	var resp *clientv3.TxnResponse
	var err error
	if testHookFinish != nil {
		resp, err = testHookFinish(send)
	} else {
		resp, err = send()
	}
	if err == nil {
		if !resp.Succeeded {
			return 0, f.refused(resp)
		}
		return resp.Header.Revision, nil
	}
	if definite(err) {
		return 0, f.b.wrapErr("etcd: committing "+f.name, err)
	}
	f.b.stats.resolved.Add(1)
	rev, applied, rerr := f.resolve(nonce)
	switch {
	case rerr != nil:
		return 0, fmt.Errorf("etcd: committing %s: %w (the cluster did not answer within command-timeout %v: %v)",
			f.name, ErrCommitUnknown, f.b.cfg.CommandTimeout, err)
	case applied:
		return rev, nil
	case !f.w.held:
		return 0, fmt.Errorf("%s: %w", f.name, ErrLockLost)
	}
	return 0, f.b.wrapErr("etcd: committing "+f.name+" (it did not apply)", err)
}

// refused explains a commit transaction whose compares failed.
func (f *file) refused(resp *clientv3.TxnResponse) error {
	f.b.stats.conflicts.Add(1)
	if !f.ours(resp.Responses[0].GetResponseRange().Kvs) || resp.Responses[0].GetResponseRange().Kvs[0].ModRevision != f.w.modRev {
		f.w.held = false
		return fmt.Errorf("%s: %w", f.name, ErrLockLost)
	}
	return fmt.Errorf("%s: %w", f.name, ErrConflict)
}

// resolve finds out whether a commit whose answer was lost applied. It
// first fences the commit off: it rewrites the lock key (if still ours),
// which changes the ModRevision the commit compares, so that if it has not
// applied yet it never will; then the head tells (it holds the commit's
// nonce if it applied).
func (f *file) resolve(nonce uint64) (rev int64, applied bool, err error) {
	deadline := time.Now().Add(f.b.cfg.CommandTimeout)
	for {
		resp, err := f.b.txn([]clientv3.Cmp{f.lockIsOurs()},
			[]clientv3.Op{clientv3.OpPut(f.keys.lock, f.b.owner, clientv3.WithIgnoreLease()), clientv3.OpGet(f.keys.head)},
			[]clientv3.Op{clientv3.OpGet(f.keys.lock), clientv3.OpGet(f.keys.head)})
		if err == nil {
			if resp.Succeeded {
				f.w.modRev = resp.Header.Revision
			} else if lk := resp.Responses[0].GetResponseRange().Kvs; f.ours(lk) {
				f.w.modRev = lk[0].ModRevision // an earlier fence of ours applied
			} else {
				f.w.held = false // gone: the commit's compare can never hold again
			}
			if hd := resp.Responses[1].GetResponseRange().Kvs; len(hd) > 0 {
				if h, err := decodeHead(hd[0].Value); err == nil && h.nonce == nonce {
					return hd[0].ModRevision, true, nil
				}
			}
			return 0, false, nil
		}
		if time.Now().After(deadline) {
			return 0, false, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// staged commits a plan too large for one etcd transaction: the pages go
// first, in transactions each within the cluster's limits (the first also
// writes the staging marker), then one small transaction puts the head.
// Every one is fenced by the lock and compares the head, so nothing is
// staged by a writer that lost the lock. Until the head moves, readers read
// below the marker (view.readRev) and do not see the staged pages; a
// writer that dies half-way leaves the marker, and the next one rolls the
// pages back (recover.go).
func (f *file) staged(cmps []clientv3.Cmp, p plan) (int64, error) {
	marker := change{blocks: p.change.blocks}.encode()
	if len(marker) > f.b.requestBudget()/4 {
		marker = nil // recovery then scans the file's pages
	}
	first := opCost(f.keys.staging, marker)
	els := []clientv3.Op{clientv3.OpGet(f.keys.lock), clientv3.OpGet(f.keys.head)}
	f.w.recover = true // until the head is in
	for i, start := 0, 0; start < len(p.pages); i++ {
		ops, bytes := []clientv3.Op{}, 0
		if i == 0 {
			ops, bytes = append(ops, clientv3.OpPut(f.keys.staging, string(marker))), first
		}
		end := start
		for end < len(p.pages) && len(ops) < f.b.cfg.MaxTxnOps && (len(ops) == 0 || bytes+p.sizes[end] <= f.b.requestBudget()) {
			ops = append(ops, p.pages[end])
			bytes += p.sizes[end]
			end++
		}
		if err := f.retry(func() error {
			resp, err := f.b.txn(cmps, ops, els)
			if err == nil && !resp.Succeeded {
				return stop{f.refused(resp)}
			}
			return err
		}); err != nil {
			return 0, err
		}
		f.b.stats.stagedTxns.Add(1)
		if testHookStaged != nil {
			testHookStaged(f.name, i)
		}
		start = end
	}
	rev, err := f.finish(cmps, append(p.final, clientv3.OpDelete(f.keys.staging)), p.head.nonce)
	if err == nil {
		f.w.recover = false
	}
	return rev, err
}

// stop marks an error retry must not retry.
type stop struct{ error }

// Unwrap returns the error.
func (s stop) Unwrap() error { return s.error }

// retry runs an idempotent write until it succeeds, fails for good (the
// cluster refused it, or it returned a stop), or command-timeout passes
// since its first failure.
func (f *file) retry(do func() error) error {
	var deadline time.Time
	for {
		err := do()
		if err == nil {
			return nil
		}
		if s, ok := err.(stop); ok {
			return s.error
		}
		if definite(err) {
			return f.b.wrapErr("etcd: staging a commit of "+f.name, err)
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(f.b.cfg.CommandTimeout)
		} else if time.Now().After(deadline) {
			return f.b.wrapErr("etcd: staging a commit of "+f.name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
