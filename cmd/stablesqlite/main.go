// Command stablesqlite is a small SQL shell over the stablesqlite driver.
//
//	stablesqlite [-json] [DSN] [SQL...]
//	stablesqlite image layout|export|import PATH [NAME FILE]
//
// It runs the SQL given as arguments, or else reads statements from standard
// input, and prints each result as an aligned table (or, with -json, one
// JSON array of objects per statement). With no DSN it uses a private
// in-memory database. The first argument is taken as a DSN unless it
// starts with a dot or contains a space or a semicolon, so
//
//	stablesqlite "select sqlite_version()"
//
// runs a query on :memory:. Dot commands: .tables, .schema [TABLE], .stats
// and .layout (for a stable memory), .quit.
//
// The image subcommands print the layout of a stable-memory image, and
// convert a database between an image and an ordinary SQLite file.
//
// The shell is package shell, so that a command can link in backends of
// other modules: backend/etcd/cmd/stablesqlite is this shell with vfs=etcd.
package main

import "github.com/stablesqlite/stablesqlite/cmd/stablesqlite/shell"

func main() { shell.Main() }
