package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

var (
	// errClosed is returned by a backend after Close.
	errClosed = errors.New("etcd: backend closed")
	// errConnect marks a failure to make the client.
	errConnect = errors.New("etcd: cannot connect")
)

// client returns the backend's etcd client, creating it on first use: the
// first file SQLite opens connects, not sql.Open.
func (b *Backend) client() (*clientv3.Client, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errClosed
	}
	if b.cli != nil {
		return b.cli, nil
	}
	cc, err := b.cfg.clientConfig()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errConnect, err)
	}
	cc.Context = b.life
	cli, err := clientv3.New(cc)
	if err != nil {
		return nil, fmt.Errorf("%w to %s: %w", errConnect, strings.Join(b.cfg.Endpoints, ","), b.classify(err))
	}
	b.cli = cli
	return cli, nil
}

// cmd returns a context for one request: command-timeout, ended early by
// Close.
func (b *Backend) cmd() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.life, b.cfg.CommandTimeout)
}

// txn runs one etcd transaction within command-timeout.
func (b *Backend) txn(cmps []clientv3.Cmp, then, els []clientv3.Op) (*clientv3.TxnResponse, error) {
	cli, err := b.client()
	if err != nil {
		return nil, err
	}
	ctx, cancel := b.cmd()
	defer cancel()
	return cli.Txn(ctx).If(cmps...).Then(then...).Else(els...).Commit()
}

// get runs one range request within command-timeout.
func (b *Backend) get(key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	cli, err := b.client()
	if err != nil {
		return nil, err
	}
	ctx, cancel := b.cmd()
	defer cancel()
	return cli.Get(ctx, key, opts...)
}
