package shell

import (
	"context"
	"errors"
	"fmt"

	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
)

// stableCommands inspect a database kept in a stable memory (vfs=stable).
var stableCommands = []dotCmd{
	{name: "stats", help: "Stable memory: what the last message and all messages cost", nargs: [2]int{0, 0},
		run: (*shell).stats},
	{name: "layout", help: "Stable memory: its size, and each file's size and extents", nargs: [2]int{0, 0},
		run: func(sh *shell, _ context.Context, _ []string) error {
			b, err := sh.stableBackend()
			if err == nil {
				printLayout(sh.out, b)
			}
			return err
		}},
}

// stableBackend returns the stable backend under the shell's connection.
func (sh *shell) stableBackend() (*stable.Backend, error) {
	b, err := driver.BackendOf(sh.conn)
	if err != nil {
		return nil, err
	}
	sb, ok := b.(*stable.Backend)
	if !ok {
		return nil, errors.New("this database is not in a stable memory (open one with vfs=stable)")
	}
	return sb, nil
}

// stats prints the meter: each row with its unit and what it counts.
func (sh *shell) stats(context.Context, []string) error {
	sb, err := sh.stableBackend()
	if err != nil {
		return err
	}
	m := sb.Stats()
	fmt.Fprintln(sh.out, "A message is one transaction (or one stable.Message); \"last\" is the last one that ended.")
	fmt.Fprintf(sh.out, "%-22s %14s %14s  %s\n", "counter", "last message", "all messages", "what it counts")
	row := func(name string, last, total uint64, what string) {
		fmt.Fprintf(sh.out, "%-22s %14d %14d  %s\n", name, last, total, what)
	}
	l, t := m.Last, m.Total
	row("read calls", l.ReadCalls, t.ReadCalls, "calls that read the memory")
	row("write calls", l.WriteCalls, t.WriteCalls, "calls that wrote the memory")
	row("bytes read", l.BytesRead, t.BytesRead, "bytes")
	row("bytes written", l.BytesWritten, t.BytesWritten, "bytes")
	row("pages read (4 KiB)", l.PagesRead4K, t.PagesRead4K, "distinct 4 KiB pages read")
	row("pages read (64 KiB)", l.PagesRead64K, t.PagesRead64K, "distinct 64 KiB pages read")
	row("pages dirtied (4 KiB)", l.PagesDirtied4K, t.PagesDirtied4K, "distinct 4 KiB pages written")
	row("pages dirtied (64 KiB)", l.PagesDirtied64K, t.PagesDirtied64K, "distinct 64 KiB pages written")
	row("pages grown (64 KiB)", l.PagesGrown, t.PagesGrown, "64 KiB pages added to the memory")
	row("commits", l.Commits, t.Commits, "messages that changed the memory")
	row("traps", l.Traps, t.Traps, "messages rolled back")
	c := stable.DefaultCosts
	row("API instructions", l.APIInstructions, t.APIInstructions, fmt.Sprintf("the platform's charge for the memory calls, in instructions: %d per call + %d per byte, %d per page dirtied, %d per grow",
		c.PerCall, c.PerByte, c.PerDirtied, c.PerGrow))
	row("guest instructions", l.Instructions, t.Instructions, "instructions SQLite executed (with metering on: -meter, _meter=1)")
	row("charge", l.Charge(), t.Charge(), "guest plus API instructions: what the platform counts against its limits")
	return nil
}
