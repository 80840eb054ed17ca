// Package shell is the stablesqlite shell (cmd/stablesqlite runs it; a
// command of another module can run it with more backends linked in, as
// backend/etcd/cmd/stablesqlite does with vfs=etcd).
//
// The shell is an SQL shell over the stablesqlite driver that
// works like SQLite's own sqlite3:
//
//	stablesqlite [OPTIONS] [DB] [SQL|.command ...]
//	stablesqlite image layout|export|import PATH [NAME FILE]
//
// DB is a file name, :memory:, or any of the driver's DSNs
// (file:main.db?vfs=stable&image=PATH, file:/name?vfs=heap, ...); with none
// the shell opens a private in-memory database. Options may come anywhere
// (-json, -csv, -box, -line, -header, -noheader, -cmd, -bail, -batch,
// -readonly, -meter, -version; -help lists them). Each argument after DB runs on its
// own, as SQL or as a dot command; with none, the shell reads standard
// input: on a terminal with a prompt ("sqlite> ", "   ...> " inside a
// statement), line editing and a history kept in ~/.stablesqlite_history
// (or $STABLESQLITE_HISTORY); Ctrl-C interrupts the running statement and
// Ctrl-D leaves.
//
// Values print as SQLite stores them (the shell reads raw values, not the
// driver's time.Time or bool conversions), REALs as SQLite 3.54 writes
// them (3.0, 0.1, 1.0e+20). Output follows sqlite3 3.54 in every mode:
// list, csv, tabs, json, line, box, table, markdown, column, insert, quote,
// qbox and ascii; as there, results show in qbox at a prompt and in list
// otherwise. Where 3.54 prints otherwise than Debian's sqlite3 3.40 (boxes,
// line mode, REAL digits, blobs), newer_test.go lists the cases and why.
// Errors show where SQLite places them:
//
//	Parse error near line 1: no such column: nosuch
//	  select nosuch from t;
//	         ^--- error here
//
// .help lists the dot commands: sqlite3's everyday ones (.mode, .headers,
// .import, .dump, .read, .open, .backup, .output, .schema, .tables, ...)
// and three of this project's: for a database in a stable memory, .stats
// (what the last message and all messages cost, each row explained) and
// .layout (the memory's files and extents, with units); and .meter on|off,
// which prints the instructions each statement executed on a database
// opened with -meter (or _meter=1 in its DSN), as the Internet Computer
// counts them.
//
// The image subcommands print the layout of a stable-memory image and
// convert a database between an image and an ordinary SQLite file; they
// never create a file they are asked to read.
package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Main runs the shell on the process's arguments and standard streams,
// and exits.
func Main() {
	os.Exit(Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// runMain runs the shell and returns the exit status: 0, 1 after an
// error, or SQLite's result code when an SQL argument failed.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "image" {
		if err := runImage(args[1:], stdout); err != nil {
			fmt.Fprintln(stderr, "stablesqlite:", err)
			return 1
		}
		return 0
	}
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "stablesqlite: Error: %v\nUse -help for a list of options.\n", err)
		return 1
	}
	if o.help {
		fmt.Fprint(stdout, optionHelp+"\n")
		return 0
	}
	ctx := context.Background()
	sh := newShell(stdout, stderr)
	defer sh.close()
	for _, set := range o.settings {
		set(sh)
	}
	if o.version {
		o.db, o.commands = ":memory:", []string{"select sqlite_version() || ' ' || sqlite_source_id()"}
		sh.mode.setMode("list", "")
	}
	sh.interactive = o.interactive || !o.batch && len(o.commands) == 0 && isTerminal(stdin)
	if sh.interactive && !o.modeGiven {
		sh.mode.setMode("qbox", "") // sqlite3 3.54's mode at a prompt; scripts get list
	}
	if err := sh.open(ctx, o.db, o.readOnly); err != nil {
		fmt.Fprintf(stderr, "Error: unable to open database %q: %v\n", o.db, err)
		return 1
	}
	exit := func(code int) { sh.close(); os.Exit(code) }
	defer handleInterrupts(sh, exit)()

	if o.init != "" {
		if code, stop := sh.finish(sh.dotRead(ctx, []string{o.init})); stop {
			return code
		}
	}
	for _, c := range o.cmds {
		if code, stop := sh.runArgument(ctx, c); stop && (code != 0 || sh.bail) {
			return code
		}
	}
	if len(o.commands) > 0 {
		for _, c := range o.commands {
			if code, stop := sh.runArgument(ctx, c); stop {
				return code
			}
		}
		return 0
	}
	if sh.interactive {
		return sh.interact(ctx, stdin, o.db == "")
	}
	failed, err := sh.processInput(ctx, newReaderSource(stdin), fromScript)
	if code, stop := sh.finish(err); stop {
		return code
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// runArgument runs one command-line argument (SQL or a dot command); it
// says whether to stop, and with what status.
func (sh *shell) runArgument(ctx context.Context, arg string) (int, bool) {
	defer sh.flush()
	if t := trimLeftSpace(arg); len(t) > 0 && t[0] == '.' {
		err := sh.dotCommand(ctx, t, fromArgument, 0)
		if err != nil && !errors.Is(err, errQuit) && !errors.As(err, new(exitError)) {
			sh.reportDot(err)
			return 1, true
		}
		return sh.finish(err)
	}
	err := sh.runSQL(ctx, arg, fromArgument, 1)
	var se *sqlError
	if errors.As(err, &se) {
		return se.code, true
	}
	return sh.finish(err)
}

// finish turns what ended a command into an exit status, if it ends the
// shell: .quit (0), .exit CODE, -bail, or a failure of the shell itself.
func (sh *shell) finish(err error) (int, bool) {
	var ee exitError
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, errQuit):
		return 0, true
	case errors.As(err, &ee):
		return ee.code, true
	case errors.Is(err, errBail):
		return 1, true
	}
	var se *sqlError
	if !errors.As(err, &se) {
		sh.errorf("Error: %v\n", err)
	}
	return 1, true
}

// interact runs the prompt loop on a terminal.
func (sh *shell) interact(ctx context.Context, stdin io.Reader, transient bool) int {
	var version string
	if v, err := sh.strings1(ctx, "select sqlite_version()"); err == nil && len(v) == 1 {
		version = v[0]
	}
	fmt.Fprintf(sh.out, "stablesqlite shell (SQLite %s)\nEnter \".help\" for usage hints.\n", version)
	if transient {
		fmt.Fprint(sh.out, "Connected to a transient in-memory database.\nUse \".open FILENAME\" to reopen on a persistent database.\n")
	}
	var src lineSource = newReaderSource(stdin)
	if isTerminal(os.Stdout) { // the editor needs a terminal to draw on
		editor, closeEditor := newEditor(sh)
		defer closeEditor()
		src = editor
	}
	_, err := sh.processInput(ctx, src, fromInteractive)
	code, _ := sh.finish(err)
	return code
}

// isTerminal reports whether r (or a writer) is a terminal.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func trimLeftSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	return s
}
