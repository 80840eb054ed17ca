package shell

import (
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"
)

// The prompts of sqlite3 (before its 2026 editions made them coloured).
const (
	mainPrompt = "sqlite> "
	contPrompt = "   ...> "
)

// editorSource reads lines from a terminal with line editing and history
// (github.com/peterh/liner).
type editorSource struct {
	sh *shell
	ln *liner.State
}

func (e *editorSource) readLine(continued bool) (string, error) {
	e.sh.flush()
	prompt := mainPrompt
	if continued {
		prompt = contPrompt
	}
	line, err := e.ln.Prompt(prompt)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errInterrupted // Ctrl-C drops what was typed
	}
	if err != nil {
		return "", err // io.EOF on Ctrl-D
	}
	if strings.TrimSpace(line) != "" {
		e.ln.AppendHistory(line)
	}
	return line, nil
}

// historyFile is where the history persists: $STABLESQLITE_HISTORY, or
// ~/.stablesqlite_history.
func historyFile() string {
	if f := os.Getenv("STABLESQLITE_HISTORY"); f != "" {
		return f
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".stablesqlite_history")
}

// newEditor starts line editing, loading the history; close saves it.
func newEditor(sh *shell) (src *editorSource, close func()) {
	ln := liner.NewLiner()
	ln.SetCtrlCAborts(true)
	hist := historyFile()
	if f, err := os.Open(hist); err == nil {
		ln.ReadHistory(f)
		f.Close()
	}
	return &editorSource{sh: sh, ln: ln}, func() {
		if hist != "" {
			if f, err := os.Create(hist); err == nil {
				ln.WriteHistory(f)
				f.Close()
			}
		}
		ln.Close()
	}
}

// handleInterrupts makes Ctrl-C (SIGINT) stop the running statement,
// through its context, instead of the process; with no statement running,
// a script is ended as sqlite3 ends it. At an interactive prompt the
// editor reads Ctrl-C itself.
func handleInterrupts(sh *shell, exit func(int)) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				if !sh.interrupt() && !sh.interactive {
					exit(130)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
