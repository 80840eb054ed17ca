package shell

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// dotCmd is one dot command.
type dotCmd struct {
	name  string
	args  string // usage, after the name
	help  string
	run   func(sh *shell, ctx context.Context, args []string) error
	nargs [2]int // fewest and most arguments (-1: any number)
}

// dotCommands are the dot commands, in .help's order; they are defined in
// the files named dot_*.go by theme.
var dotCommands []dotCmd

func init() {
	dotCommands = append(dotCommands, outputCommands...)
	dotCommands = append(dotCommands, schemaCommands...)
	dotCommands = append(dotCommands, databaseCommands...)
	dotCommands = append(dotCommands, sessionCommands...)
	dotCommands = append(dotCommands, stableCommands...)
	sort.Slice(dotCommands, func(i, j int) bool { return dotCommands[i].name < dotCommands[j].name })
}

// findDot returns the command named name, or the only one name begins
// (sqlite3 accepts ".h" for ".headers" where it is not ambiguous).
func findDot(name string) *dotCmd {
	var found *dotCmd
	for i := range dotCommands {
		c := &dotCommands[i]
		if c.name == name {
			return c
		}
		if strings.HasPrefix(c.name, name) {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

// dotCommand runs one dot-command line (without leading blanks).
func (sh *shell) dotCommand(ctx context.Context, line string, from origin, lineNo int) error {
	args := splitDotArgs(line[1:])
	if len(args) == 0 {
		return nil
	}
	c := findDot(args[0])
	if c == nil || len(args)-1 < c.nargs[0] || c.nargs[1] >= 0 && len(args)-1 > c.nargs[1] {
		if c != nil {
			return usageError{"Usage: ." + c.name + " " + c.args}
		}
		return usageError{fmt.Sprintf("Error: unknown command or invalid arguments:  %q. Enter \".help\" for help", args[0])}
	}
	if c.name != "once" { // .once is for the command after it
		defer sh.endStatement()
	}
	return c.run(sh, ctx, args[1:])
}

// splitDotArgs splits a dot command's text as sqlite3 does: on white
// space, with '...' taken literally and "..." read with C escapes.
func splitDotArgs(s string) []string {
	var args []string
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return args
		}
		switch q := s[0]; q {
		case '\'', '"':
			end := 1
			for end < len(s) && s[end] != q {
				if q == '"' && s[end] == '\\' && end+1 < len(s) {
					end++
				}
				end++
			}
			arg := s[1:end]
			if q == '"' {
				arg = unquoteSep(arg)
			}
			args = append(args, arg)
			s = s[min(end+1, len(s)):]
		default:
			end := strings.IndexAny(s, " \t\r\n")
			if end < 0 {
				end = len(s)
			}
			args = append(args, s[:end])
			s = s[end:]
		}
	}
}

// parseBool reads on/off and their synonyms.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on", "yes", "true", "1":
		return true, nil
	case "off", "no", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean value: %q. Assuming \"no\"", s)
}

// boolSetting makes a dot command that sets a flag.
func boolSetting(name, help string, field func(*shell) *bool) dotCmd {
	return dotCmd{name: name, args: "on|off", help: help, nargs: [2]int{1, 1},
		run: func(sh *shell, _ context.Context, args []string) error {
			v, err := parseBool(args[0])
			if err != nil {
				return err
			}
			*field(sh) = v
			return nil
		}}
}

// sessionCommands steer the session itself.
var sessionCommands = []dotCmd{
	boolSetting("bail", "Stop after hitting an error", func(sh *shell) *bool { return &sh.bail }),
	boolSetting("changes", "Show number of rows changed by SQL", func(sh *shell) *bool { return &sh.changes }),
	boolSetting("echo", "Turn command echo on or off", func(sh *shell) *bool { return &sh.echo }),
	boolSetting("timer", "Turn SQL timer on or off", func(sh *shell) *bool { return &sh.timer }),
	{name: "meter", args: "on|off", help: "Show the instructions each statement executes (-meter or _meter=1)", nargs: [2]int{1, 1},
		run: (*shell).dotMeter},
	{name: "exit", args: "?CODE?", help: "Exit this program with return-code CODE", nargs: [2]int{0, 1},
		run: func(sh *shell, _ context.Context, args []string) error {
			code := 0
			if len(args) == 1 {
				fmt.Sscan(args[0], &code)
			}
			return exitError{code}
		}},
	{name: "quit", help: "Exit this program", nargs: [2]int{0, 0},
		run: func(*shell, context.Context, []string) error { return errQuit }},
	{name: "help", args: "?PATTERN?", help: "Show help text for PATTERN", nargs: [2]int{0, 1},
		run: func(sh *shell, _ context.Context, args []string) error {
			for _, c := range dotCommands {
				if len(args) == 1 && !strings.Contains(c.name, strings.TrimPrefix(args[0], ".")) {
					continue
				}
				fmt.Fprintf(sh.out, "%-22s %s\n", "."+c.name+" "+c.args, c.help)
			}
			return nil
		}},
	{name: "read", args: "FILE", help: "Read input from FILE", nargs: [2]int{1, 1},
		run: (*shell).dotRead},
}
