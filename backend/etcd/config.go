package etcd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Config is what a backend needs to reach its cluster and how it behaves
// there. DSN parameters set it (see Params); the zero value of a field
// means its default.
type Config struct {
	// Endpoints are the members' client URLs or host:port pairs
	// (default 127.0.0.1:2379, etcdctl's).
	Endpoints []string
	// Prefix starts every key the backend writes (default /stablesqlite/).
	Prefix string
	// DialTimeout bounds connecting and authenticating (default 5 s).
	DialTimeout time.Duration
	// CommandTimeout bounds each request to the cluster (default 5 s).
	CommandTimeout time.Duration
	// LeaseTTL is the life of the process's lease without keep-alives: how
	// long after a writer dies (or pauses) another process can write
	// (default 10 s; etcd rounds it up to whole seconds).
	LeaseTTL time.Duration
	// CACert, Cert and Key are PEM files for TLS, as etcdctl's --cacert,
	// --cert and --key; InsecureSkipVerify skips the server's certificate
	// check.
	CACert, Cert, Key  string
	InsecureSkipVerify bool
	// User and Password authenticate to a cluster with auth enabled.
	User, Password string
	// MaxTxnOps and MaxRequestBytes are the cluster's --max-txn-ops and
	// --max-request-bytes (defaults 128 and 1.5 MiB, etcd's): a commit that
	// does not fit in one etcd transaction is staged over several.
	MaxTxnOps       int
	MaxRequestBytes int
	// CompactEvery is how many bytes this process commits between two
	// compactions of the cluster's history (default 64 MiB; negative, or
	// compact-every=off, turns compaction off).
	CompactEvery int64
	// PageCache bounds the process's page cache in bytes (default 64 MiB;
	// negative, or page-cache=0, keeps none).
	PageCache int64
	// LockLinger is how long the process keeps the cluster's write lock
	// after a write transaction, so that its next one needs no round trip
	// for it (default 20 ms; negative, or lock-linger=0, releases at once).
	LockLinger time.Duration
}

// Defaults.
const (
	DefaultEndpoint        = "127.0.0.1:2379"
	DefaultPrefix          = "/stablesqlite/"
	DefaultDialTimeout     = 5 * time.Second
	DefaultCommandTimeout  = 5 * time.Second
	DefaultLeaseTTL        = 10 * time.Second
	DefaultMaxTxnOps       = 128
	DefaultMaxRequestBytes = 1536 << 10
	DefaultCompactEvery    = 64 << 20
	DefaultPageCache       = 64 << 20
	DefaultLockLinger      = 20 * time.Millisecond
)

// paramNames are the DSN parameters the backend owns (beyond vfs).
var paramNames = []string{
	"endpoints", "prefix", "dial-timeout", "command-timeout", "lease-ttl",
	"cacert", "cert", "key", "insecure-skip-tls-verify", "user", "password",
	"max-txn-ops", "max-request-bytes", "compact-every", "page-cache", "lock-linger",
}

// Params lists the DSN parameters of vfs=etcd.
func Params() []string { return slices.Clone(paramNames) }

// ParseParams reads the DSN parameters of vfs=etcd (each at most once,
// every one optional) into a Config with the defaults filled in. It
// checks values and that TLS files exist, and opens nothing.
func ParseParams(params map[string]string) (Config, error) {
	var c Config
	var err error
	for k, v := range params {
		switch k {
		case "endpoints":
			for _, e := range strings.Split(v, ",") {
				if e = strings.TrimSpace(e); e != "" {
					c.Endpoints = append(c.Endpoints, e)
				}
			}
			if len(c.Endpoints) == 0 {
				return c, errors.New("endpoints= names no endpoint")
			}
		case "prefix":
			c.Prefix = v
		case "dial-timeout":
			c.DialTimeout, err = positiveDuration(k, v)
		case "command-timeout":
			c.CommandTimeout, err = positiveDuration(k, v)
		case "lease-ttl":
			c.LeaseTTL, err = positiveDuration(k, v)
		case "cacert":
			c.CACert = v
		case "cert":
			c.Cert = v
		case "key":
			c.Key = v
		case "insecure-skip-tls-verify":
			c.InsecureSkipVerify, err = strconv.ParseBool(v)
		case "user":
			c.User = v
			if name, pass, ok := strings.Cut(v, ":"); ok { // etcdctl's --user name:password
				c.User, c.Password = name, pass
			}
		case "password":
			c.Password = v
		case "max-txn-ops":
			c.MaxTxnOps, err = strconv.Atoi(v)
			if err == nil && c.MaxTxnOps < 8 {
				err = fmt.Errorf("max-txn-ops=%s: want at least 8", v)
			}
		case "max-request-bytes":
			var n int64
			n, err = parseSize(k, v)
			c.MaxRequestBytes = int(n)
			if err == nil && n < 64<<10 {
				err = fmt.Errorf("max-request-bytes=%s: want at least 64KiB", v)
			}
		case "compact-every":
			if v == "off" {
				c.CompactEvery = -1
			} else if c.CompactEvery, err = parseSize(k, v); err == nil && c.CompactEvery == 0 {
				c.CompactEvery = -1
			}
		case "page-cache":
			if c.PageCache, err = parseSize(k, v); err == nil && c.PageCache == 0 {
				c.PageCache = -1
			}
		case "lock-linger":
			c.LockLinger, err = time.ParseDuration(v)
			if err == nil && c.LockLinger < 0 {
				err = fmt.Errorf("lock-linger=%s: want a duration of 0 or more", v)
			}
			if err == nil && c.LockLinger == 0 {
				c.LockLinger = -1
			}
		default:
			return c, fmt.Errorf("vfs=etcd takes no parameter %q", k)
		}
		if err != nil {
			if errors.Is(err, strconv.ErrSyntax) || errors.Is(err, strconv.ErrRange) {
				err = fmt.Errorf("%s=%s: %w", k, v, err)
			}
			return c, err
		}
	}
	c = c.withDefaults()
	return c, c.check()
}

func (c Config) withDefaults() Config {
	if len(c.Endpoints) == 0 {
		c.Endpoints = []string{DefaultEndpoint}
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if !strings.HasSuffix(c.Prefix, "/") {
		c.Prefix += "/"
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.CommandTimeout == 0 {
		c.CommandTimeout = DefaultCommandTimeout
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.MaxTxnOps == 0 {
		c.MaxTxnOps = DefaultMaxTxnOps
	}
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if c.CompactEvery == 0 {
		c.CompactEvery = DefaultCompactEvery
	}
	if c.PageCache == 0 {
		c.PageCache = DefaultPageCache
	}
	if c.LockLinger == 0 {
		c.LockLinger = DefaultLockLinger
	}
	return c
}

func (c Config) check() error {
	for _, e := range c.Endpoints {
		if strings.ContainsAny(e, " ?#") {
			return fmt.Errorf("endpoints: %q is not a host:port or URL", e)
		}
	}
	for _, f := range [][2]string{{"cacert", c.CACert}, {"cert", c.Cert}, {"key", c.Key}} {
		if f[1] == "" {
			continue
		}
		if _, err := os.Stat(f[1]); err != nil {
			return fmt.Errorf("%s=%s: %w", f[0], f[1], err)
		}
	}
	if (c.Cert == "") != (c.Key == "") {
		return errors.New("cert= and key= go together")
	}
	if c.Password != "" && c.User == "" {
		return errors.New("password= needs user=")
	}
	if c.LeaseTTL < time.Second {
		return fmt.Errorf("lease-ttl=%v: etcd leases last at least 1s", c.LeaseTTL)
	}
	return nil
}

// key identifies the configuration, so that one process opens one backend
// (one client, one lease) per cluster and prefix.
func (c Config) key() string {
	return fmt.Sprintf("%q", []any{c.Endpoints, c.Prefix, c.DialTimeout, c.CommandTimeout, c.LeaseTTL,
		c.CACert, c.Cert, c.Key, c.InsecureSkipVerify, c.User, c.Password, c.MaxTxnOps, c.MaxRequestBytes,
		c.CompactEvery, c.PageCache, c.LockLinger})
}

// tls reports whether the client speaks TLS.
func (c Config) tls() bool {
	if c.CACert != "" || c.Cert != "" || c.InsecureSkipVerify {
		return true
	}
	for _, e := range c.Endpoints {
		if strings.HasPrefix(e, "https://") {
			return true
		}
	}
	return false
}

// clientConfig is the etcd client's configuration; it reads the TLS files.
func (c Config) clientConfig() (clientv3.Config, error) {
	cc := clientv3.Config{
		Endpoints:   c.Endpoints,
		DialTimeout: c.DialTimeout,
		Username:    c.User,
		Password:    c.Password,
		Logger:      zap.NewNop(),
		// A request may be up to the cluster's limit; the client's default
		// send limit (2 MiB) would refuse larger ones before the cluster can.
		MaxCallSendMsgSize: c.MaxRequestBytes + 1<<20,
		DialKeepAliveTime:  c.LeaseTTL / 2,
	}
	if !c.tls() {
		return cc, nil
	}
	t := &tls.Config{InsecureSkipVerify: c.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if c.CACert != "" {
		pem, err := os.ReadFile(c.CACert)
		if err != nil {
			return cc, fmt.Errorf("cacert: %w", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return cc, fmt.Errorf("cacert=%s holds no PEM certificate", c.CACert)
		}
	}
	if c.Cert != "" {
		pair, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return cc, fmt.Errorf("cert/key: %w", err)
		}
		t.Certificates = []tls.Certificate{pair}
	}
	cc.TLS = t
	return cc, nil
}

func positiveDuration(k, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%s: want a duration such as 5s: %w", k, v, err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%s=%s: want a positive duration", k, v)
	}
	return d, nil
}

// parseSize reads a byte count: a number, optionally with KiB, MiB or GiB.
func parseSize(k, v string) (int64, error) {
	mult := int64(1)
	num := v
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%s=%s: want a size such as 4096, 512KiB or 64MiB", k, v)
	}
	return n * mult, nil
}
