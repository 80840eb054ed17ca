// Command stablesqlite is an SQL shell over the stablesqlite driver that
// works like SQLite's own sqlite3:
//
//	stablesqlite [OPTIONS] [DB] [SQL|.command ...]
//	stablesqlite image layout|export|import PATH [NAME FILE]
//
// DB is a file name, :memory:, or any of the driver's DSNs
// (file:main.db?vfs=stable&image=PATH, file:/name?vfs=heap, ...); with none
// the shell opens a private in-memory database. Options may come anywhere
// (-json, -csv, -box, -line, -header, -noheader, -cmd, -bail, -batch,
// -readonly, -version; -help lists them). Each argument after DB runs on its
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
// and two of this project's for a database in a stable memory: .stats (what
// the last message and all messages cost, each row explained) and .layout
// (the memory's files and extents, with units).
//
// The image subcommands print the layout of a stable-memory image and
// convert a database between an image and an ordinary SQLite file; they
// never create a file they are asked to read.
package main

import "github.com/stablesqlite/stablesqlite/cmd/stablesqlite/shell"

func main() { shell.Main() }
