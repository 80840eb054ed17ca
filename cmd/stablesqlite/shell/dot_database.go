package shell

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/stablesqlite/stablesqlite/driver"
)

// databaseCommands open, copy and read databases and scripts.
var databaseCommands = []dotCmd{
	{name: "open", args: "?--new? ?--readonly? ?FILE?", help: "Close the database and open FILE (a path or a DSN)", nargs: [2]int{0, -1},
		run: (*shell).dotOpen},
	{name: "backup", args: "?DB? FILE", help: "Back up DB (default \"main\") to FILE (a path or a DSN)", nargs: [2]int{1, 2},
		run: func(sh *shell, ctx context.Context, args []string) error { return sh.copyDB(ctx, args, true) }},
	{name: "save", args: "?DB? FILE", help: "Write DB (default \"main\") to FILE", nargs: [2]int{1, 2},
		run: func(sh *shell, ctx context.Context, args []string) error { return sh.copyDB(ctx, args, true) }},
	{name: "restore", args: "?DB? FILE", help: "Restore content of DB (default \"main\") from FILE", nargs: [2]int{1, 2},
		run: func(sh *shell, ctx context.Context, args []string) error { return sh.copyDB(ctx, args, false) }},
	importCommand,
}

func (sh *shell) dotOpen(ctx context.Context, args []string) error {
	var newFile, readOnly bool
	name := ""
	for _, a := range args {
		switch a {
		case "--new", "-new":
			newFile = true
		case "--readonly", "-readonly":
			readOnly = true
		default:
			if strings.HasPrefix(a, "-") {
				return fmt.Errorf("unknown option: %s", a)
			}
			name = a
		}
	}
	if newFile && name != "" && !strings.HasPrefix(name, "file:") && name != ":memory:" {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := sh.open(ctx, name, readOnly); err != nil {
		return fmt.Errorf("unable to open database %q: %v", name, err)
	}
	return nil
}

// copyDB copies the main database to file (.backup, .save) or from it
// (.restore) with SQLite's online backup, across backends.
func (sh *shell) copyDB(ctx context.Context, args []string, toFile bool) error {
	file := args[len(args)-1]
	if len(args) == 2 && args[0] != "main" {
		return fmt.Errorf("only the main database can be copied here, not %q", args[0])
	}
	dsn := file
	if !toFile {
		// Reading: open without creating, so a mistyped name is an error.
		dsn = dsnFor(file, true)
	}
	db, err := openDB(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	other, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot open %q: %v", file, err)
	}
	defer other.Close()
	if toFile {
		err = driver.Backup(ctx, other, sh.conn)
	} else {
		err = driver.Backup(ctx, sh.conn, other)
	}
	return err
}

// maxReadDepth bounds .read within .read, as sqlite3 does: a file that
// reads itself fails instead of exhausting the stack.
const maxReadDepth = 25

// dotRead runs the commands of a file, as if typed.
func (sh *shell) dotRead(ctx context.Context, args []string) error {
	if sh.readDepth >= maxReadDepth {
		return fmt.Errorf(".read nested more than %d deep", maxReadDepth)
	}
	sh.readDepth++
	defer func() { sh.readDepth-- }()
	f, err := os.Open(args[0])
	if err != nil {
		return fmt.Errorf("cannot open %q", args[0])
	}
	defer f.Close()
	failed, err := sh.processInput(ctx, newReaderSource(f), fromScript)
	if err != nil {
		return err
	}
	if failed > 0 {
		return &sqlError{code: 1} // each failure was reported
	}
	return nil
}
