package shell

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// outputCommands decide how and where results are printed.
var outputCommands = []dotCmd{
	{name: "mode", args: "?MODE? ?TABLE?", help: "Set output mode (" + strings.Join(modeNames, ", ") + ")", nargs: [2]int{0, 2},
		run: func(sh *shell, _ context.Context, args []string) error {
			if len(args) == 0 {
				fmt.Fprintln(sh.out, sh.mode.describe())
				return nil
			}
			table := ""
			if len(args) == 2 {
				table = args[1]
			}
			return sh.mode.setMode(args[0], table)
		}},
	{name: "headers", args: "on|off", help: "Turn display of headers on or off", nargs: [2]int{1, 1},
		run: func(sh *shell, _ context.Context, args []string) error {
			v, err := parseBool(args[0])
			sh.mode.headers, sh.headersForced = v, true
			return err
		}},
	{name: "nullvalue", args: "STRING", help: "Use STRING in place of NULL values", nargs: [2]int{1, 1},
		run: func(sh *shell, _ context.Context, args []string) error {
			sh.mode.nullText = args[0]
			return nil
		}},
	{name: "separator", args: "COL ?ROW?", help: "Change the column and row separators", nargs: [2]int{1, 2},
		run: func(sh *shell, _ context.Context, args []string) error {
			sh.mode.colSep = unquoteSep(args[0])
			if len(args) == 2 {
				sh.mode.rowSep = unquoteSep(args[1])
			}
			return nil
		}},
	{name: "output", args: "?FILE?", help: "Send output to FILE, or to stdout if FILE is omitted", nargs: [2]int{0, 1},
		run: func(sh *shell, _ context.Context, args []string) error {
			if len(args) == 0 || args[0] == "stdout" {
				sh.setOutput(nil, false)
				return nil
			}
			return sh.redirect(args[0], false)
		}},
	{name: "once", args: "FILE", help: "Send the output of the next SQL command only to FILE", nargs: [2]int{1, 1},
		run: func(sh *shell, _ context.Context, args []string) error { return sh.redirect(args[0], true) }},
	{name: "show", help: "Show the current values for various settings", nargs: [2]int{0, 0},
		run: (*shell).show},
}

// redirect opens file for output; it replaces what the file held.
func (sh *shell) redirect(file string, once bool) error {
	f, err := os.Create(file)
	if err != nil {
		sh.setOutput(nil, false)
		return fmt.Errorf("cannot open %q", file)
	}
	sh.setOutput(f, once)
	return nil
}

func (sh *shell) show(_ context.Context, _ []string) error {
	onOff := map[bool]string{true: "on", false: "off"}
	output := "stdout"
	if sh.outFile != nil {
		output = sh.outFile.Name()
	}
	name := sh.dsn
	if name == "" {
		name = ":memory:"
	}
	// sqlite3's lines; this shell has no EXPLAIN QUERY PLAN, statistics or
	// column widths to set, so those show their defaults.
	for _, kv := range [][2]string{
		{"echo", onOff[sh.echo]},
		{"eqp", "off"},
		{"explain", "auto"},
		{"headers", onOff[sh.mode.headers]},
		{"mode", strings.TrimPrefix(sh.mode.describe(), ".mode ")},
		{"nullvalue", strconv.Quote(sh.mode.nullText)},
		{"output", output},
		{"colseparator", strconv.Quote(sh.mode.colSep)},
		{"rowseparator", strconv.Quote(sh.mode.rowSep)},
		{"stats", "off"},
		{"width", ""},
		{"filename", name},
	} {
		fmt.Fprintf(sh.out, "%12s: %s\n", kv[0], kv[1])
	}
	return nil
}
