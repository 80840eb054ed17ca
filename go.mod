module github.com/stablesqlite/stablesqlite

go 1.26

require (
	github.com/creack/pty v1.1.24
	github.com/mattn/go-runewidth v0.0.3
	github.com/peterh/liner v1.2.2
	github.com/tetratelabs/wazero v1.11.0
	golang.org/x/sys v0.38.0
	golang.org/x/term v0.37.0
)
