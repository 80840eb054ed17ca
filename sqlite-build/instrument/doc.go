// Package instrument holds the build's passes over a WebAssembly module
// (sqlite3.wasm), on a codec of the module's sections and instructions:
// Reorder, which puts the functions in the order of a profile (see
// sqlite-build/README.md, "Function order"), and Instrument, the
// instruction metering, which rewrites the module so that it counts what
// it executes the way the Internet Computer counts a canister's
// instructions, following dfinity/ic's
// rs/embedders/src/wasm_utils/instrumentation.rs.
//
// The metered module has one more import, ImportModule.ExhaustedImport,
// of type () -> (), and one more export, CounterExport, a mutable i64
// global that counts down:
//
//   - Every block of straight-line code (see Points) subtracts its static
//     cost, the sum of its instructions' costs in the IC's table (Cost), from
//     the counter when it starts.
//   - memory.copy and memory.fill (and memory.init, table.copy, table.fill,
//     table.init, which sqlite3.wasm does not use) also subtract their length
//     just before they run, through one added function.
//   - Function entries, loop headers and those bulk instructions then check
//     the counter, and call the import when it is negative. The host refills
//     the counter or stops the guest.
//
// The counter starts at InitialCounter (no budget). A host sets it to a
// budget before a call and reads what is left after: used = budget -
// counter. Host functions cost nothing in it.
//
// Instrument does the rewriting; the command in cmd/meter runs it from
// build.sh, as cmd/reorder runs Reorder. Both decode every instruction of
// the module and fail on one they do not know rather than skip it. The
// cost model, the figures (size and run-time overhead) and the interface
// for a host are in sqlite-build/README.md; the import and export are in
// wasm/ABI.md.
package instrument
