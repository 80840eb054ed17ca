package shell_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/stablesqlite/stablesqlite/cmd/stablesqlite/shell"
)

// The shell on a private in-memory database: options, then SQL and dot
// commands as arguments, each run on its own.
func ExampleRun() {
	code := shell.Run([]string{"-header", ":memory:",
		"create table t(n, word)",
		"insert into t values (1, 'one'), (2, 'two')",
		"select * from t order by n",
	}, strings.NewReader(""), os.Stdout, os.Stderr)
	fmt.Println("exit status", code)
	// Output:
	// n|word
	// 1|one
	// 2|two
	// exit status 0
}

// A script on standard input, in the default list mode.
func ExampleRun_script() {
	script := ".mode list\nselect 6 * 7;\nselect upper('done');\n"
	shell.Run(nil, strings.NewReader(script), os.Stdout, os.Stderr)
	// Output:
	// 42
	// DONE
}
