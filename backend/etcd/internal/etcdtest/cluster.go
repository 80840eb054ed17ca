package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Options shape a cluster. Zero values take the defaults in brackets.
type Options struct {
	Members         int   // [3]
	QuotaBytes      int64 // --quota-backend-bytes [etcd's 2 GiB]
	MaxTxnOps       int   // --max-txn-ops [128]
	MaxRequestBytes int   // --max-request-bytes [1.5 MiB]
	// Heartbeat and Election are raft's timings [25 ms, 250 ms: leader
	// elections on loopback take well under a second].
	Heartbeat, Election time.Duration
	// NoFsync runs the members with --unsafe-no-fsync (a SIGKILL of a
	// member still loses nothing: the written data is in the kernel).
	NoFsync bool
	// TLS serves clients over TLS only, with client certificates required
	// (Cluster.TLS names the files).
	TLS bool
}

// Cluster is a running etcd cluster of member processes on 127.0.0.1.
type Cluster struct {
	// TLS holds the CA and the certificate of a cluster started with
	// Options.TLS (nil otherwise).
	TLS *TLSFiles

	bin     string
	dir     string
	opts    Options
	token   string
	members []*Member
}

// Member is one etcd server process.
type Member struct {
	Name       string
	ClientURL  string // http://127.0.0.1:PORT
	PeerURL    string
	DataDir    string
	LogFile    string
	cluster    *Cluster
	mu         sync.Mutex
	cmd        *exec.Cmd
	exited     chan struct{}
	startCount int
}

// Start starts a cluster whose members keep their data and logs under dir
// and waits until it has a leader. It retries with other ports if a port
// it picked was taken meanwhile.
func Start(dir string, opts Options) (*Cluster, error) {
	bin, err := Server()
	if err != nil {
		return nil, err
	}
	if opts.Members == 0 {
		opts.Members = 3
	}
	if opts.Heartbeat == 0 {
		opts.Heartbeat = 25 * time.Millisecond
	}
	if opts.Election == 0 {
		opts.Election = 10 * opts.Heartbeat
	}
	var last error
	for attempt := range 3 {
		c := &Cluster{bin: bin, dir: filepath.Join(dir, fmt.Sprintf("cluster%d", attempt)), opts: opts,
			token: fmt.Sprintf("stablesqlite-%d-%d", os.Getpid(), time.Now().UnixNano())}
		if last = c.start(); last == nil {
			return c, nil
		}
		c.Stop()
	}
	return nil, last
}

func (c *Cluster) start() error {
	ports, err := freePorts(2 * c.opts.Members)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	scheme := "http"
	if c.opts.TLS {
		if c.TLS, err = makeTLS(c.dir); err != nil {
			return err
		}
		scheme = "https"
	}
	var initial []string
	for i := range c.opts.Members {
		m := &Member{Name: fmt.Sprintf("m%d", i), cluster: c,
			ClientURL: fmt.Sprintf("%s://127.0.0.1:%d", scheme, ports[2*i]),
			PeerURL:   fmt.Sprintf("http://127.0.0.1:%d", ports[2*i+1]),
			DataDir:   filepath.Join(c.dir, fmt.Sprintf("m%d.etcd", i)),
			LogFile:   filepath.Join(c.dir, fmt.Sprintf("m%d.log", i))}
		c.members = append(c.members, m)
		initial = append(initial, m.Name+"="+m.PeerURL)
	}
	for _, m := range c.members {
		if err := m.start(strings.Join(initial, ",")); err != nil {
			return err
		}
	}
	return c.WaitHealthy(30 * time.Second)
}

func (m *Member) args(initial string) []string {
	o := m.cluster.opts
	a := []string{
		"--name", m.Name, "--data-dir", m.DataDir,
		"--listen-client-urls", m.ClientURL, "--advertise-client-urls", m.ClientURL,
		"--listen-peer-urls", m.PeerURL, "--initial-advertise-peer-urls", m.PeerURL,
		"--initial-cluster", initial, "--initial-cluster-state", "new",
		"--initial-cluster-token", m.cluster.token,
		"--heartbeat-interval", strconv.Itoa(int(o.Heartbeat / time.Millisecond)),
		"--election-timeout", strconv.Itoa(int(o.Election / time.Millisecond)),
		"--log-level", "warn", "--log-outputs", m.LogFile,
	}
	if o.QuotaBytes > 0 {
		a = append(a, "--quota-backend-bytes", strconv.FormatInt(o.QuotaBytes, 10))
	}
	if o.MaxTxnOps > 0 {
		a = append(a, "--max-txn-ops", strconv.Itoa(o.MaxTxnOps))
	}
	if o.MaxRequestBytes > 0 {
		a = append(a, "--max-request-bytes", strconv.Itoa(o.MaxRequestBytes))
	}
	if o.NoFsync {
		a = append(a, "--unsafe-no-fsync")
	}
	if t := m.cluster.TLS; t != nil {
		a = append(a, "--cert-file", t.Cert, "--key-file", t.Key, "--trusted-ca-file", t.CA, "--client-cert-auth")
	}
	return a
}

func (m *Member) start(initial string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd := exec.Command(m.cluster.bin, m.args(initial)...)
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting etcd member %s: %w", m.Name, err)
	}
	m.cmd, m.exited = cmd, make(chan struct{})
	m.startCount++
	go func(cmd *exec.Cmd, done chan struct{}) {
		cmd.Wait()
		close(done)
	}(cmd, m.exited)
	return nil
}

// Endpoints returns the members' client URLs, comma-separated, as the
// backend's endpoints parameter takes them.
func (c *Cluster) Endpoints() string {
	var eps []string
	for _, m := range c.members {
		eps = append(eps, m.ClientURL)
	}
	return strings.Join(eps, ",")
}

// Member returns member i.
func (c *Cluster) Member(i int) *Member { return c.members[i] }

// Members returns the members.
func (c *Cluster) Members() []*Member { return c.members }

// Client returns a client of the given members (all if none are named);
// the caller closes it.
func (c *Cluster) Client(members ...*Member) (*clientv3.Client, error) {
	if len(members) == 0 {
		members = c.members
	}
	var eps []string
	for _, m := range members {
		eps = append(eps, m.ClientURL)
	}
	cfg := clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second, Logger: zap.NewNop()}
	if c.TLS != nil {
		t, err := c.TLS.clientTLS()
		if err != nil {
			return nil, err
		}
		cfg.TLS = t
	}
	return clientv3.New(cfg)
}

// Kill sends SIGKILL to the member and waits for it to exit.
func (m *Member) Kill() error { return m.signal(syscall.SIGKILL, 10*time.Second) }

// Restart starts a stopped or killed member again on its data directory.
func (m *Member) Restart() error {
	m.mu.Lock()
	running := m.cmd != nil && !isClosed(m.exited)
	m.mu.Unlock()
	if running {
		return fmt.Errorf("etcd member %s is still running", m.Name)
	}
	var initial []string
	for _, o := range m.cluster.members {
		initial = append(initial, o.Name+"="+o.PeerURL)
	}
	return m.start(strings.Join(initial, ","))
}

// Running reports whether the member's process is alive.
func (m *Member) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cmd != nil && !isClosed(m.exited)
}

func (m *Member) signal(sig syscall.Signal, wait time.Duration) error {
	m.mu.Lock()
	cmd, exited := m.cmd, m.exited
	m.mu.Unlock()
	if cmd == nil || isClosed(exited) {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-exited:
		return nil
	case <-time.After(wait):
		return fmt.Errorf("etcd member %s did not exit %v after %v", m.Name, wait, sig)
	}
}

// Status asks the member for its status (its own view: revision, raft
// index, leader, database size).
func (m *Member) Status(ctx context.Context) (*clientv3.StatusResponse, error) {
	cli, err := m.cluster.Client(m)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return cli.Status(ctx, m.ClientURL)
}

// Leader returns the member that leads the cluster now.
func (c *Cluster) Leader(ctx context.Context) (*Member, error) {
	for _, m := range c.members {
		if !m.Running() {
			continue
		}
		st, err := m.Status(ctx)
		if err != nil {
			continue
		}
		if st.Leader == st.Header.MemberId {
			return m, nil
		}
	}
	return nil, errors.New("etcdtest: no member is the leader")
}

// WaitHealthy waits until every running member answers and the cluster has
// a leader that accepts writes.
func (c *Cluster) WaitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = c.healthy(); last == nil {
			return nil
		}
		for _, m := range c.members {
			m.mu.Lock()
			dead := m.cmd != nil && isClosed(m.exited) && m.cmd.ProcessState != nil && m.cmd.ProcessState.ExitCode() > 0
			m.mu.Unlock()
			if dead {
				log, _ := os.ReadFile(m.LogFile)
				return fmt.Errorf("etcd member %s exited: %s", m.Name, tail(log, 2000))
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("etcd cluster not healthy after %v: %w", timeout, last)
}

func (c *Cluster) healthy() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, m := range c.members {
		if !m.Running() {
			continue
		}
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		if st.Leader == 0 {
			return fmt.Errorf("member %s has no leader", m.Name)
		}
	}
	cli, err := c.Client()
	if err != nil {
		return err
	}
	defer cli.Close()
	_, err = cli.Put(ctx, "/etcdtest/health", "ok")
	return err
}

// Stop ends every member (SIGTERM, then SIGKILL).
func (c *Cluster) Stop() {
	var wg sync.WaitGroup
	for _, m := range c.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if m.signal(syscall.SIGTERM, 5*time.Second) != nil {
				m.Kill()
			}
		}()
	}
	wg.Wait()
}

// freePorts picks n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
