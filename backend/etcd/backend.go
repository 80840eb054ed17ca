package etcd

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/heap"
	"github.com/stablesqlite/stablesqlite/backend/memstore"
)

// Backend keeps SQLite's main database files in an etcd cluster (see the
// package documentation). One Backend is one client of the cluster with
// one lease: in a process, vfs=etcd DSNs with the same parameters share one
// (Shared); New makes a separate one, which the cluster treats as another
// process.
type Backend struct {
	cfg   Config
	owner string        // the lock keys' value: who holds a lock
	local *heap.Backend // journals, in process memory
	cache *pageCache
	life  context.Context
	stop  context.CancelFunc

	mu     sync.Mutex
	cli    *clientv3.Client
	files  map[string]*file
	closed bool

	sess  session
	comp  compactor
	stats counters
}

// New returns a backend for cfg (zero fields take their defaults). It
// checks cfg and connects nothing: the client connects when SQLite first
// opens a file.
func New(cfg Config) (*Backend, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}
	host, _ := os.Hostname()
	var id [4]byte
	rand.Read(id[:])
	life, stop := context.WithCancel(context.Background())
	return &Backend{
		cfg:   cfg,
		owner: fmt.Sprintf("%s pid %d #%08x", host, os.Getpid(), binary.LittleEndian.Uint32(id[:])),
		local: heap.New(),
		cache: newPageCache(cfg.PageCache),
		life:  life, stop: stop,
		files: map[string]*file{},
	}, nil
}

// Config returns the backend's configuration, defaults filled in.
func (b *Backend) Config() Config { return b.cfg }

// DefaultPragmas turns SQLite's cache spill off, so that a transaction's
// pages stay in SQLite's cache until it commits and reach etcd once, in
// its commit (as the stable backend does).
func (b *Backend) DefaultPragmas() []string { return []string{"PRAGMA cache_spill=OFF"} }

// local reports whether a file is kept in process memory rather than in
// etcd: SQLite's journals and WAL files. Every transaction commits
// atomically in etcd, so a journal is only ever needed within the process
// (for a transaction that falls back to one), never to recover a crash.
func isLocal(name string) bool {
	return strings.HasSuffix(name, "-journal") || strings.HasSuffix(name, "-wal") ||
		strings.HasSuffix(name, "-shm") || strings.Contains(name, "-mj")
}

func (b *Backend) file(name string) *file {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.files[name]
	if f == nil {
		f = &file{b: b, name: name, keys: newFileKeys(b.cfg.Prefix, name)}
		b.files[name] = f
	}
	return f
}

// Open implements backend.Backend: main database files live in etcd,
// anything else (journals) in process memory; WAL files are refused.
func (b *Backend) Open(name string, flags backend.OpenFlags) (backend.Volume, backend.OpenFlags, error) {
	switch {
	case name == "":
		// A temporary file lives only as long as its connection has it
		// open: it stays in process memory.
		return memstore.NewTemp(), flags, nil
	case flags&backend.OpenWAL != 0:
		return nil, 0, ErrNoWAL
	case flags&backend.OpenMainDB == 0 || isLocal(name):
		return b.local.Open(name, flags)
	}
	f := b.file(name)
	v, err := f.readView()
	if err != nil {
		return nil, 0, err
	}
	switch {
	case !v.exists && flags&backend.OpenCreate == 0:
		return nil, 0, fmt.Errorf("etcd: %s: %w", name, backend.ErrNotFound)
	case !v.exists && flags&backend.OpenReadOnly != 0:
		return nil, 0, fmt.Errorf("etcd: %s does not exist and cannot be created read-only: %w", name, backend.ErrNotFound)
	case !v.exists:
		if err := f.create(); err != nil {
			return nil, 0, err
		}
	case flags&backend.OpenExclusive != 0:
		return nil, 0, fmt.Errorf("etcd: %s already exists", name)
	}
	f.mu.Lock()
	f.opens++
	f.mu.Unlock()
	return &volume{f: f, lock: f.lock.NewLock(), readOnly: flags&backend.OpenReadOnly != 0,
		deleteOnClose: flags&backend.OpenDeleteOnClose != 0}, flags, nil
}

// create writes an empty file's head, unless another process just did.
func (f *file) create() error {
	var inc [8]byte
	rand.Read(inc[:])
	h := head{incarnation: binary.LittleEndian.Uint64(inc[:])}
	_, err := f.b.txn([]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(f.keys.head), "=", 0)},
		[]clientv3.Op{clientv3.OpPut(f.keys.head, string(h.encode()))}, nil)
	return f.b.wrapErr("etcd: creating "+f.name, err)
}

// Delete implements backend.Backend. A file in etcd is deleted with all its
// keys at once, unless another process holds its write lock.
func (b *Backend) Delete(name string, syncDir bool) error {
	if isLocal(name) {
		return b.local.Delete(name, syncDir)
	}
	f := b.file(name)
	f.wmu.Lock()
	defer f.wmu.Unlock()
	free := clientv3.Compare(clientv3.CreateRevision(f.keys.lock), "=", 0)
	if f.w.held {
		free = f.lockIsOurs()
	}
	resp, err := b.txn([]clientv3.Cmp{free, clientv3.Compare(clientv3.CreateRevision(f.keys.head), ">", 0)},
		[]clientv3.Op{clientv3.OpDelete(f.keys.root, clientv3.WithPrefix()), clientv3.OpDelete(f.keys.staging)},
		[]clientv3.Op{clientv3.OpGet(f.keys.head), clientv3.OpGet(f.keys.lock)})
	if err != nil {
		return b.wrapErr("etcd: deleting "+name, err)
	}
	if !resp.Succeeded {
		if len(resp.Responses[0].GetResponseRange().Kvs) == 0 {
			return fmt.Errorf("etcd: %s: %w", name, backend.ErrNotFound)
		}
		return fmt.Errorf("etcd: deleting %s: %w", name, ErrLocked)
	}
	f.w.held, f.w.recover = false, false
	f.mu.Lock()
	f.ov, f.known = nil, view{rev: resp.Header.Revision}
	f.dropCache()
	f.cacheSet = false
	f.mu.Unlock()
	return nil
}

// Access implements backend.Backend.
func (b *Backend) Access(name string, mode backend.AccessMode) (bool, error) {
	if isLocal(name) {
		return b.local.Access(name, mode)
	}
	f := b.file(name)
	f.mu.Lock()
	ov := f.ov
	size := int64(0)
	if ov != nil {
		size = ov.size
	}
	f.mu.Unlock()
	if ov == nil {
		v, err := f.readView()
		if err != nil {
			return false, err
		}
		if !v.exists {
			return false, nil
		}
		size = v.head.size
	}
	return mode != backend.AccessExists || size > 0, nil
}

// DropCache empties the process's page cache (SQLite's own caches, per
// connection, are not touched).
func (b *Backend) DropCache() { b.cache.clear() }

// Close releases the backend: the write locks it holds, its lease (and
// with it its pins), and its client. Open volumes fail afterwards.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	files := make([]*file, 0, len(b.files))
	for _, f := range b.files {
		files = append(files, f)
	}
	b.mu.Unlock()
	for _, f := range files {
		f.wmu.Lock()
		f.release()
		f.wmu.Unlock()
	}
	b.mu.Lock()
	b.closed = true
	cli := b.cli
	b.mu.Unlock()
	if cli == nil {
		b.stop()
		return nil
	}
	if lease := b.currentLease(); lease != 0 {
		ctx, cancel := context.WithTimeout(context.Background(), min(b.cfg.CommandTimeout, 2*time.Second))
		cli.Revoke(ctx, lease)
		cancel()
	}
	b.stop()
	return cli.Close()
}
