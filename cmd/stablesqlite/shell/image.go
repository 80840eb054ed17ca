package shell

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/stablesqlite/stablesqlite/backend/stable"
)

const imageUsage = `usage:
  stablesqlite image layout PATH            print the layout of a stable-memory image
  stablesqlite image export PATH NAME FILE  write database NAME of the image as an ordinary SQLite file
  stablesqlite image import PATH NAME FILE  store an ordinary SQLite file as database NAME in the image`

// runImage runs the image subcommands. layout and export only read the
// image, and import only reads FILE: a missing one is an error, never
// created (the image of an import is created if missing).
func runImage(args []string, out io.Writer) error {
	if len(args) < 2 {
		return errors.New(imageUsage)
	}
	cmd, path := args[0], args[1]
	want := map[string]int{"layout": 2, "export": 4, "import": 4}[cmd]
	if want == 0 || len(args) != want {
		return errors.New(imageUsage)
	}
	var data []byte
	if cmd == "import" {
		var err error
		if data, err = os.ReadFile(args[3]); err != nil {
			return err
		}
	} else if err := mustBeImage(path); err != nil {
		return err
	}
	b, done, err := openImage(path)
	if err != nil {
		return err
	}
	switch cmd {
	case "layout":
		printLayout(out, b)
	case "export":
		data, err = b.Export(args[2])
	default:
		err = b.Import(args[2], data)
	}
	if e := done(); err == nil {
		err = e
	}
	if err == nil && cmd == "export" {
		err = os.WriteFile(args[3], data, 0o644)
	}
	return err
}

// mustBeImage checks that path is an existing, non-empty file (an empty
// one would be formatted on opening).
func mustBeImage(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() || st.Size() == 0 {
		return fmt.Errorf("%s: not a stable-memory image", path)
	}
	return nil
}

// openImage opens the image file at path; done closes it and removes the
// redo log the opening created, if there was none (it is empty then), so
// that reading an image leaves no file behind.
func openImage(path string) (*stable.Backend, func() error, error) {
	redo := path + "-redo"
	_, statErr := os.Stat(redo)
	hadRedo := statErr == nil
	img, err := stable.OpenImage(path, 0)
	if err != nil {
		return nil, nil, err
	}
	b, err := stable.New(img)
	if err != nil {
		img.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, func() error {
		err := img.Close()
		if st, e := os.Stat(redo); !hadRedo && e == nil && st.Size() == 0 {
			os.Remove(redo)
		}
		return err
	}, nil
}

// printLayout prints the memory's size and each file's size and extents.
func printLayout(out io.Writer, b *stable.Backend) {
	pages := b.Memory().Size()
	fmt.Fprintf(out, "memory: %d pages of 64 KiB = %s, format version %d\n", pages, sizeText(pages*stable.PageSize), stable.FormatVersion)
	fmt.Fprintln(out, "extents: [first page, number of pages], in 64 KiB pages of the memory")
	for _, f := range b.Files() {
		fmt.Fprintf(out, "%-20s %12s  extents:", f.Name, sizeText(uint64(f.Size)))
		for _, x := range f.Extents {
			fmt.Fprintf(out, " [%d, %d]", x[0], x[1])
		}
		fmt.Fprintln(out)
	}
}

// sizeText is n bytes, with KiB, MiB or GiB when that is shorter.
func sizeText(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%d bytes (%.1f GiB)", n, float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d bytes (%.1f MiB)", n, float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d bytes (%.1f KiB)", n, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
