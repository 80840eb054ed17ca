package shell

import (
	"context"
	"errors"
	"fmt"

	"github.com/stablesqlite/stablesqlite/driver"
)

// dotMeter is .meter on|off: after each statement, print the instructions
// SQLite executed for it. Only a connection that runs the metered module
// counts them (the -meter option, or _meter=1 in the DSN).
func (sh *shell) dotMeter(_ context.Context, args []string) error {
	on, err := parseBool(args[0])
	if err != nil {
		return err
	}
	if on {
		var metered bool
		if err := sh.conn.Raw(func(dc any) error {
			metered = dc.(*driver.Conn).Metered()
			return nil
		}); err != nil {
			return err
		}
		if !metered {
			return errors.New("this database does not count instructions: open it with -meter, or with _meter=1 in its DSN")
		}
	}
	sh.meter = on
	return nil
}

// printInstructions prints what the statement that just ended executed,
// with the connection's total so far.
func (sh *shell) printInstructions() {
	in, err := driver.InstructionsOf(sh.conn)
	if err != nil {
		fmt.Fprintf(sh.stderr, "Error: %v\n", err)
		return
	}
	fmt.Fprintf(sh.out, "Instructions: %d   total: %d\n", in.LastStatement, in.Total)
}
