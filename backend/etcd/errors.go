package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/stablesqlite/stablesqlite/backend"
)

// Errors a caller can test for with errors.Is. The first three wrap
// backend.ErrBusy, so that SQLite reports SQLITE_BUSY (the transaction did
// not commit, nothing was written, and it can be retried) and never falls
// back to a rollback journal; ErrSpace and ErrTooLarge wrap backend.ErrFull
// (SQLITE_FULL); the others are I/O errors.
var (
	// ErrConflict: the database changed since the transaction's snapshot.
	ErrConflict = fmt.Errorf("etcd: the database changed since this transaction's snapshot: %w", backend.ErrBusy)
	// ErrLocked: another process holds the cluster's write lock.
	ErrLocked = fmt.Errorf("etcd: another process holds the write lock: %w", backend.ErrBusy)
	// ErrLockLost: this process no longer holds the write lock it took
	// (its lease expired while it was paused or cut off), so it cannot
	// commit.
	ErrLockLost = fmt.Errorf("etcd: the write lock was lost (its lease expired): %w", backend.ErrBusy)
	// ErrSpace: the cluster is out of space (its --quota-backend-bytes).
	ErrSpace = fmt.Errorf("etcd: the cluster's space quota is exhausted (mvcc: database space exceeded; compact, defragment and disarm the NOSPACE alarm): %w", backend.ErrFull)
	// ErrTooLarge: a request passed the cluster's --max-txn-ops or
	// --max-request-bytes, which the DSN's max-txn-ops and
	// max-request-bytes must not exceed.
	ErrTooLarge = fmt.Errorf("etcd: a request passed the cluster's limits (--max-txn-ops, --max-request-bytes): set max-txn-ops= and max-request-bytes= in the DSN to the cluster's values: %w", backend.ErrFull)
	// ErrUnavailable: the cluster did not answer within command-timeout.
	ErrUnavailable = errors.New("etcd: the cluster did not answer")
	// ErrCommitUnknown: a commit was sent, the cluster did not say whether
	// it applied, and it could not be asked in time; the transaction may
	// or may not have committed.
	ErrCommitUnknown = errors.New("etcd: commit outcome unknown")
	// ErrCompacted: a snapshot's revision was compacted by someone else
	// (the cluster's own --auto-compaction, or etcdctl compact).
	ErrCompacted = errors.New("etcd: the transaction's snapshot was compacted away")
	// ErrNoWAL: WAL mode was asked for; every transaction already commits
	// atomically in one etcd transaction, and a WAL could not be shared
	// across machines.
	ErrNoWAL = errors.New("etcd: WAL mode is not supported on vfs=etcd (each transaction already commits atomically without a journal)")
)

// wrapErr turns an etcd client error into one of the backend's, saying
// what was being done.
func (b *Backend) wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, b.classify(err))
}

// classify wraps an etcd client error in the backend's sentinel for it.
func (b *Backend) classify(err error) error {
	for _, ours := range []error{ErrUnavailable, ErrSpace, ErrTooLarge, ErrCompacted, errClosed, errConnect} {
		if errors.Is(err, ours) {
			return err
		}
	}
	switch {
	case errors.Is(err, rpctypes.ErrNoSpace):
		return ErrSpace
	case errors.Is(err, rpctypes.ErrTooManyOps), errors.Is(err, rpctypes.ErrRequestTooLarge), clientTooLarge(err):
		return fmt.Errorf("%w (here max-txn-ops=%d, max-request-bytes=%d): %v", ErrTooLarge, b.cfg.MaxTxnOps, b.cfg.MaxRequestBytes, err)
	case errors.Is(err, rpctypes.ErrCompacted):
		return fmt.Errorf("%w: %v", ErrCompacted, err)
	case errors.Is(err, context.DeadlineExceeded), status.Code(err) == codes.Unavailable, status.Code(err) == codes.DeadlineExceeded:
		hint := ""
		if b.cfg.tls() {
			hint = " (over TLS: check cacert, cert and key)"
		}
		return fmt.Errorf("%w at %s within command-timeout %v%s: %v", ErrUnavailable,
			strings.Join(b.cfg.Endpoints, ","), b.cfg.CommandTimeout, hint, err)
	}
	return err
}

// clientTooLarge reports the client's own refusal of a message over its
// send limit.
func clientTooLarge(err error) bool {
	return status.Code(err) == codes.ResourceExhausted && !errors.Is(err, rpctypes.ErrNoSpace)
}

// definite reports whether a failed write request certainly did not
// apply: the cluster refused it. Anything else (a timeout, a lost
// connection, a leader change) leaves the outcome open.
func definite(err error) bool {
	for _, e := range []error{rpctypes.ErrNoSpace, rpctypes.ErrTooManyOps, rpctypes.ErrRequestTooLarge,
		rpctypes.ErrDuplicateKey, rpctypes.ErrPermissionDenied, rpctypes.ErrAuthFailed,
		rpctypes.ErrInvalidAuthToken, rpctypes.ErrLeaseNotFound, rpctypes.ErrKeyNotFound} {
		if errors.Is(err, e) {
			return true
		}
	}
	return clientTooLarge(err)
}
