// Package driver is the "stablesqlite" database/sql driver: SQLite compiled
// to WebAssembly, run by wazero, with storage in Go backends. It needs no
// cgo. It is an adapter from database/sql/driver to the typed SQLite layer
// (internal/sqlite); storage is the backends' (package backend and its
// subpackages), the Wasm runtime internal/guest's.
//
//	import _ "github.com/stablesqlite/stablesqlite/driver"
//	db, err := sql.Open("stablesqlite", "file:app.db?_pragma=foreign_keys(1)")
//
// # DSNs
//
//	:memory: (or empty)           a private in-memory database per connection
//	app.db, file:app.db           a file (backend "file"); relative to the working directory
//	file:/name?vfs=heap           a named in-memory database shared by the process's connections
//	file:main.db?vfs=stable       main.db in the process's in-process stable memory (memory=NAME picks one)
//	file:main.db?vfs=stable&image=PATH   main.db in the stable-memory image file PATH
//
// # Parameters
//
// The driver's own:
//
//	mode=ro|rw|rwc|memory     read-only; read-write; read-write-create (default); private in-memory
//	vfs=NAME                  the backend: file (default), heap, stable, or any registered
//	                          (backend.Register, RegisterBackend; etcd when backend/etcd is imported)
//	cache=private             accepted; shared cache is not supported (vfs=heap shares a database)
//	immutable=1               the file cannot change: no locks, no journal
//	_pragma=name(value)       PRAGMA run on every new connection; repeatable, in order
//	_txlock=deferred|immediate|exclusive   the BEGIN of a transaction (default deferred)
//	_busy_timeout=MS          (or _timeout) wait for another connection's lock (default 5000)
//	_timefmt=F                (or _time_format) how time.Time is stored: sqlite (default),
//	                          rfc3339, unix, unixmilli, unixnano, or a Go layout
//	_loc=auto|NAME            the zone of times read from time columns
//	_meter=1                  run the metered module: count instructions (Conn.Instructions)
//	_instruction_limit=N      with _meter=1, each statement's budget (default 40 billion)
//	_mutex=...                accepted and ignored (connections are single-threaded)
//
// mattn/go-sqlite3's named pragmas, value checked, run before the _pragma
// ones: _foreign_keys (_fk), _journal_mode (_journal), _synchronous
// (_sync), _locking_mode (_locking), _auto_vacuum (_vacuum),
// _case_sensitive_like (_cslike), _defer_foreign_keys (_defer_fk),
// _ignore_check_constraints, _recursive_triggers (_rt), _query_only,
// _secure_delete, _cache_size. Its _auth parameters are refused.
//
// A backend's own parameters (the stable backend's memory and image,
// the etcd backend's endpoints, ...) are the backend's to check, through
// its backend.Factory. Any other parameter, an unknown backend, or a
// parameter of a backend that vfs does not name is an error at sql.Open,
// which opens nothing: files, images and clusters are opened by the first
// connection.
//
// # Files beyond the database
//
// SQLite's URIs work in ATTACH and VACUUM INTO (file:other.db?vfs=heap).
// A connection's own database and the files named after it (its journal,
// WAL and WAL index) are in its backend; any other name is a file, whatever
// the connection's backend, so that ATTACH 'x.db' and VACUUM INTO 'copy.db'
// mean files from a heap or stable database too.
//
// # Connector
//
// NewConnector with Options does the same from code and also takes a
// backend object (WithBackend), pragmas, a memory limit per connection
// (WithMemoryLimit; default 4 GiB of address space reserved, touched as
// used), metering (WithMetering), hooks run on every new connection, the
// busy timeout and the lock mode. A Connector starts loading the Wasm
// module in the background at once; the compiled code is cached on disk
// (package wasm says where), so that later processes start in milliseconds.
package driver
