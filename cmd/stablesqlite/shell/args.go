package shell

import (
	"fmt"
	"strings"
)

// options is the command line: sqlite3's [OPTIONS] [DB] [SQL|.command ...],
// options anywhere.
type options struct {
	db          string   // the first argument that is not an option
	commands    []string // the arguments after it, each run on its own
	cmds        []string // -cmd COMMAND, run before the rest
	init        string   // -init FILE
	batch       bool
	interactive bool
	readOnly    bool
	version     bool
	help        bool
	modeGiven   bool           // an option chose the output mode
	settings    []func(*shell) // output and session options, applied in order
}

// optionHelp is the -help text.
const optionHelp = `Usage: stablesqlite [OPTIONS] [DB] [SQL|.command ...]
DB is a file, :memory:, or a DSN such as file:main.db?vfs=stable&image=PATH;
without one, a private in-memory database. Each SQL or .command argument runs
on its own; without any, commands are read from standard input.
OPTIONS include:
   -ascii               set output mode to 'ascii'
   -bail                stop after hitting an error
   -batch               force batch I/O
   -box                 set output mode to 'box'
   -column              set output mode to 'column'
   -cmd COMMAND         run "COMMAND" before reading stdin
   -csv                 set output mode to 'csv'
   -echo                print inputs before execution
   -header              turn headers on
   -help                show this message
   -init FILENAME       read/process named file
   -interactive         force interactive I/O
   -json                set output mode to 'json'
   -line                set output mode to 'line'
   -list                set output mode to 'list'
   -markdown            set output mode to 'markdown'
   -meter               count instructions: open with the metered module,
                        and print each statement's count (.meter)
   -newline SEP         set output row separator. Default: '\n'
   -noheader            turn headers off
   -nullvalue TEXT      set text string for NULL values. Default ''
   -qbox                set output mode to 'qbox'
   -quote               set output mode to 'quote'
   -readonly            open the database read-only
   -separator SEP       set output column separator. Default: '|'
   -table               set output mode to 'table'
   -tabs                set output mode to 'tabs'
   -version             show SQLite version
` + imageUsage

// parseArgs reads the command line as sqlite3 does.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	dbSeen := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			if !dbSeen {
				o.db, dbSeen = a, true
			} else {
				o.commands = append(o.commands, a)
			}
			continue
		}
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("missing argument to %s", a)
			}
			i++
			return args[i], nil
		}
		switch name {
		case "ascii", "box", "column", "csv", "json", "line", "list", "markdown", "qbox", "quote", "table", "tabs":
			o.modeGiven = true
			o.settings = append(o.settings, func(sh *shell) { sh.mode.setMode(name, "") })
		case "header", "headers", "noheader", "noheaders":
			on := !strings.HasPrefix(name, "no")
			o.settings = append(o.settings, func(sh *shell) { sh.mode.headers, sh.headersForced = on, true })
		case "separator", "newline", "nullvalue":
			v, err := value()
			if err != nil {
				return nil, err
			}
			o.settings = append(o.settings, func(sh *shell) {
				switch name {
				case "separator":
					sh.mode.colSep = unquoteSep(v)
				case "newline":
					sh.mode.rowSep = unquoteSep(v)
				default:
					sh.mode.nullText = v
				}
			})
		case "cmd", "init":
			v, err := value()
			if err != nil {
				return nil, err
			}
			if name == "cmd" {
				o.cmds = append(o.cmds, v)
			} else {
				o.init = v
			}
		case "bail":
			o.settings = append(o.settings, func(sh *shell) { sh.bail = true })
		case "echo":
			o.settings = append(o.settings, func(sh *shell) { sh.echo = true })
		case "meter":
			o.settings = append(o.settings, func(sh *shell) { sh.metered, sh.meter = true, true })
		case "batch":
			o.batch = true
		case "interactive":
			o.interactive = true
		case "readonly":
			o.readOnly = true
		case "version":
			o.version = true
		case "help":
			o.help = true
		default:
			return nil, fmt.Errorf("unknown option: %s", a)
		}
	}
	return o, nil
}
