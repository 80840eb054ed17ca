// Package etcd is a stablesqlite backend that keeps SQLite's databases in
// an etcd cluster: every page a key, every SQLite transaction one etcd
// transaction, readers on any machine reading a consistent snapshot, one
// writer at a time across machines.
//
// A blank import registers it as vfs=etcd:
//
//	import _ "github.com/stablesqlite/stablesqlite/backend/etcd"
//
//	db, err := sql.Open("stablesqlite",
//		"file:app.db?vfs=etcd&endpoints=10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379")
//
// The DSN parameters (Params; see Config for each one's meaning and
// default) are endpoints, prefix, dial-timeout, command-timeout, lease-ttl,
// cacert, cert, key, insecure-skip-tls-verify, user, password, max-txn-ops,
// max-request-bytes, compact-every, page-cache and lock-linger. sql.Open
// only checks them; the client connects when SQLite first opens a file.
//
// # Keys
//
// Under the prefix (default /stablesqlite/), a file NAME has a head key
// (db/NAME/h: generation, size), one key per 4 KiB page (db/NAME/p/INDEX;
// a missing page reads as zeros), a change log (db/NAME/g/GEN: which pages
// commit GEN changed, the last 1000 kept) and, while a process writes, a
// lock key (db/NAME/l). Every value carries a checksum: a corrupt one is an
// I/O error naming it (ErrCorrupt), never data handed to SQLite. Journals
// are kept in process memory (see below); WAL mode is refused (ErrNoWAL).
//
// # Transactions
//
// SQLite's locks map onto the cluster. SHARED (a read transaction) reads
// the head with one linearizable request, and every page the transaction
// reads is read at that revision, so it sees one snapshot however many
// commits land meanwhile, and never waits for a writer. RESERVED takes the
// cluster's write lock: the lock key, created only if absent, attached to
// the process's lease; it fails with SQLITE_BUSY (ErrLocked) while another
// process writes, or (ErrConflict) if the file changed since the
// transaction's snapshot. EXCLUSIVE waits only for the process's own
// readers (among its own connections SQLite's usual protocol holds).
//
// The volumes declare SQLITE_IOCAP_BATCH_ATOMIC, and the backend turns
// SQLite's cache spill off, so a transaction's pages reach the backend
// together at its commit, and CommitAtomicWrite makes them one etcd
// transaction: if the head's ModRevision is still the snapshot's and the
// lock key's ModRevision still the one this process wrote, put the pages,
// the new head and the change-log entry. A lost compare is SQLITE_BUSY
// (ErrConflict or ErrLockLost), never an I/O error, so SQLite does not
// fall back to a journal and nothing was written. The lock compare is the
// fence: a writer whose lease expired (it was paused, or cut off) has lost
// its lock key and can never commit afterwards.
//
// A commit too large for one etcd request (etcd's --max-txn-ops, 128
// operations, and --max-request-bytes, 1.5 MiB, by default; tell the
// backend other values with max-txn-ops and max-request-bytes) is staged:
// its pages go first, in as many fenced transactions as the limits need,
// the first also writing a staging marker, and one small transaction then
// puts the head. Readers that see the marker read at the revision before
// it, so staged pages stay invisible until the head moves; a writer that
// dies half-way leaves the marker, and the next writer puts the pages back
// as they were before it. A transaction is bounded only by SQLite's memory
// (a connection's Wasm memory, 512 MiB unless driver.WithMemoryLimit says
// otherwise).
//
// When a commit's answer is lost (a member died, a timeout), the backend
// fences the commit off by rewriting its lock key, so that it can no longer
// apply, and then reads the head to learn whether it did: the commit
// reports success only if it applied. If the cluster cannot be asked
// within command-timeout, the error wraps ErrCommitUnknown.
//
// # Cache
//
// Each process keeps a page cache (page-cache, default 64 MiB) that stays
// valid across transactions: the read that starts a transaction also
// fetches the change-log entries since the generation the cache holds, and
// only the pages they name are dropped. The process's own commits update
// it in place.
//
// # Housekeeping
//
// etcd keeps every revision until it is compacted, so each rewritten page
// keeps its old versions. Every process records, under pins/, with its
// lease, a revision no newer than any it may still read at; after a
// process has committed compact-every bytes (default 64 MiB) it compacts
// the cluster's history to the oldest pin (and the base of any staging
// marker), never past a reader's snapshot. Compaction makes the space of
// old revisions reusable; it does not shrink etcd's database file, which
// is what --quota-backend-bytes limits: the file stays at about the live
// data plus the history of one compact-every window. If the quota is
// reached anyway, commits fail with SQLITE_FULL (ErrSpace) and the
// database stays intact; the operator compacts, defragments
// (etcdctl defrag) and disarms the NOSPACE alarm (etcdctl alarm disarm),
// or raises the quota. Compaction is cluster-wide: do not run etcd's own
// --auto-compaction on a cluster this backend uses (a snapshot it compacted
// away fails with ErrCompacted), nor share the cluster with programs that
// read old revisions.
//
// # Journals and temporary files
//
// Only main database files live in etcd. A journal is needed only within
// the process (SQLite's first transaction on an empty database, or one with
// cache spill turned back on, writes one), so journals, and SQLite's
// temporary files, are kept in process memory; the commit to etcd is
// still one atomic transaction at SQLite's sync.
package etcd
