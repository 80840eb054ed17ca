package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
)

const imageUsage = `usage:
  stablesqlite image layout PATH            print the layout of a stable-memory image
  stablesqlite image export PATH NAME FILE  write database NAME of the image as an ordinary SQLite file
  stablesqlite image import PATH NAME FILE  store an ordinary SQLite file as database NAME in the image`

// runImage runs the image subcommands.
func runImage(args []string, out io.Writer) error {
	if len(args) < 2 {
		return errors.New(imageUsage)
	}
	cmd, path := args[0], args[1]
	want := map[string]int{"layout": 2, "export": 4, "import": 4}[cmd]
	if want == 0 || len(args) != want {
		return errors.New(imageUsage)
	}
	b, err := stable.SharedImage(path)
	if err != nil {
		return err
	}
	switch cmd {
	case "layout":
		printLayout(out, b)
		return nil
	case "export":
		image, err := b.Export(args[2])
		if err != nil {
			return err
		}
		return os.WriteFile(args[3], image, 0o644)
	default:
		image, err := os.ReadFile(args[3])
		if err != nil {
			return err
		}
		return b.Import(args[2], image)
	}
}

func printLayout(out io.Writer, b *stable.Backend) {
	pages := b.Memory().Size()
	fmt.Fprintf(out, "memory: %d pages of 64 KiB (%d bytes), format version %d\n", pages, pages*stable.PageSize, stable.FormatVersion)
	for _, f := range b.Files() {
		fmt.Fprintf(out, "%-20s %12d bytes  extents:", f.Name, f.Size)
		for _, x := range f.Extents {
			fmt.Fprintf(out, " [%d +%d]", x[0], x[1])
		}
		fmt.Fprintln(out)
	}
}

// stableBackend returns the stable backend under the shell's connection.
func (sh *shell) stableBackend() (*stable.Backend, error) {
	b, err := driver.BackendOf(sh.conn)
	if err != nil {
		return nil, err
	}
	sb, ok := b.(*stable.Backend)
	if !ok {
		return nil, errors.New("this database is not in a stable memory (use vfs=stable)")
	}
	return sb, nil
}

func (sh *shell) stats(context.Context) error {
	sb, err := sh.stableBackend()
	if err != nil {
		return err
	}
	m := sb.Stats()
	fmt.Fprintln(sh.out, "                 last message         total")
	row := func(name string, last, total uint64) {
		fmt.Fprintf(sh.out, "%-16s %12d %13d\n", name, last, total)
	}
	row("read calls", m.Last.ReadCalls, m.Total.ReadCalls)
	row("write calls", m.Last.WriteCalls, m.Total.WriteCalls)
	row("bytes read", m.Last.BytesRead, m.Total.BytesRead)
	row("bytes written", m.Last.BytesWritten, m.Total.BytesWritten)
	row("pages read 4K", m.Last.PagesRead4K, m.Total.PagesRead4K)
	row("pages read 64K", m.Last.PagesRead64K, m.Total.PagesRead64K)
	row("dirtied 4K", m.Last.PagesDirtied4K, m.Total.PagesDirtied4K)
	row("dirtied 64K", m.Last.PagesDirtied64K, m.Total.PagesDirtied64K)
	row("pages grown", m.Last.PagesGrown, m.Total.PagesGrown)
	row("commits", m.Last.Commits, m.Total.Commits)
	row("traps", m.Last.Traps, m.Total.Traps)
	row("cycles", m.Last.Cycles, m.Total.Cycles)
	return nil
}
