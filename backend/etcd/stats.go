package etcd

import "sync/atomic"

// Stats counts what a backend asked of the cluster since it was made.
type Stats struct {
	Snapshots   int64 // views read (one linearizable etcd transaction each: a read transaction's start)
	PageReads   int64 // pages read from etcd
	CacheHits   int64 // pages served by the process's page cache
	CacheResets int64 // times a file's cache started over (its change log was too far behind)
	Commits     int64 // commits
	StagedTxns  int64 // etcd transactions that staged the pages of commits too large for one
	Conflicts   int64 // write locks and commits refused as SQLITE_BUSY
	Resolved    int64 // commits whose answer was lost, and which the backend asked after
	Recoveries  int64 // unfinished staged commits rolled back
	Compactions int64 // compactions this process ran
	Compacted   int64 // the revision of the last one
	Leases      int64 // leases granted (more than one: a lease expired)
}

type counters struct {
	snapshots, pageReads, cacheHits, cacheResets, commits, stagedTxns atomic.Int64
	conflicts, resolved, recoveries, compactions, compacted, leases   atomic.Int64
}

// Stats returns the backend's counters.
func (b *Backend) Stats() Stats {
	c := &b.stats
	return Stats{
		Snapshots: c.snapshots.Load(), PageReads: c.pageReads.Load(), CacheHits: c.cacheHits.Load(),
		CacheResets: c.cacheResets.Load(), Commits: c.commits.Load(), StagedTxns: c.stagedTxns.Load(),
		Conflicts: c.conflicts.Load(), Resolved: c.resolved.Load(), Recoveries: c.recoveries.Load(), Compactions: c.compactions.Load(),
		Compacted: c.compacted.Load(), Leases: c.leases.Load(),
	}
}
