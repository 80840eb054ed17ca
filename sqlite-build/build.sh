#!/usr/bin/env bash
# Builds sqlite3.wasm: SQLite (from the Go module pinned in go.mod) plus our
# VFS and export glue, for wasm32 against the wasi-libc sysroot, with no WASI
# import left; then its metered form, sqlite3.metered.wasm, beside it (the
# instruction metering pass in instrument/, see README.md), and its code
# compiled by wazero for linux/amd64 and linux/arm64, compiled_linux_*.gz.
# Usage: build.sh [OUTPUT]   (default: ../wasm/sqlite3.wasm; the metered
# module goes to OUTPUT with .wasm replaced by .metered.wasm, their sums to
# SHA256SUMS and the compiled code to compiled_linux_{amd64,arm64}.gz in
# OUTPUT's directory)
#
# Toolchain (Debian): clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32 binaryen qemu-user
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/../wasm/sqlite3.wasm}")
metered="${out%.wasm}.metered.wasm"

# The amalgamation comes from the module cache, verified against go.sum.
src=$(cd "$here" && GOFLAGS=-mod=mod go mod download -json github.com/mattn/go-sqlite3 |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -f "$src/sqlite3-binding.c" ] || { echo "build.sh: amalgamation not found in '$src'" >&2; exit 1; }

opts=$(sed -e 's/#.*//' "$here/options.txt" | xargs)

# Exported SQLite API used by the driver (the glue exports itself).
exports=(malloc free
  sqlite3_close_v2 sqlite3_finalize sqlite3_reset sqlite3_exec
  sqlite3_errmsg sqlite3_extended_errcode sqlite3_error_offset sqlite3_busy_timeout
  sqlite3_get_autocommit sqlite3_complete
  sqlite3_bind_parameter_count sqlite3_bind_parameter_name
  sqlite3_deserialize sqlite3_malloc64 sqlite3_free
  sqlite3_blob_open sqlite3_blob_close sqlite3_blob_bytes sqlite3_blob_read
  sqlite3_blob_write sqlite3_blob_reopen
  sqlite3_backup_init sqlite3_backup_step sqlite3_backup_finish)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# -Os rather than -O2: wazero's compiler does the optimising that counts, so
# SQLite runs within about 1 % of -O2's speed (bench/README.md), while the
# module is a third smaller, which is what start-up time and memory follow
# (validating, interpreting, compiling and caching it).
cflags=(--target=wasm32-wasi --sysroot=/usr -isystem /usr/include/wasm32-wasi
  -Os -g0 -mbulk-memory -mnontrapping-fptoint -msign-ext -mmutable-globals
  -fno-stack-protector -Wno-unused-function
  -ffile-prefix-map="$src"=sqlite -ffile-prefix-map="$here"=build
  -I"$src" -I"$here")

# The stack comes first in memory, so that overflowing it traps at once
# (below address 0) instead of overwriting SQLite's globals above it.
# 896 KiB holds the deepest recursion SQLite's limits allow (a chain of
# 1,000 triggers, about 750 bytes a level), which 512 KiB did not, and
# leaves the data room in the first MiB.
#
# Compile and link in two steps: clang would run wasm-opt itself (without our
# feature flags) when linking with -O; we run it below instead.
clang-16 "${cflags[@]}" $opts -c -o "$tmp/main.o" "$here/main.c"
clang-16 "${cflags[@]}" -matomics -c -o "$tmp/fence.o" "$here/fence.c"
clang-16 --target=wasm32-wasi --sysroot=/usr -L/usr/lib/wasm32-wasi -mexec-model=reactor \
  -Wl,--stack-first -Wl,-z,stack-size=917504 -Wl,--initial-memory=1048576 -Wl,--max-memory=4294967296 \
  -Wl,--strip-all -Wl,--export=__stack_pointer $(printf -- '-Wl,--export=%s ' "${exports[@]}") \
  -o "$tmp/sqlite3.wasm" "$tmp/main.o" "$tmp/fence.o"

wasm-opt -O2 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-threads --strip-debug --strip-producers \
  "$tmp/sqlite3.wasm" -o "$tmp/opt.wasm"

# The functions in the order a profile of the driver's calls them first
# (./internal/guest/profile runs a workload through the driver on the
# interpreter): those a fresh process needs to open a database and run a
# first query, then those the rest of the workload calls, then the ones it
# never called. wazero's compiled code follows this order, so a process's
# code is a few dense pages rather than pieces of all of them, and the
# warm start gives back the pages past the start's until they run
# (instrument.StartSection, internal/guest/release_linux.go).
(cd "$here/.." && go run ./internal/guest/profile "$tmp/opt.wasm" "$tmp/profile.txt") >/dev/null
(cd "$here" && go run ./instrument/cmd/reorder "$tmp/opt.wasm" "$tmp/profile.txt" "$tmp/ordered.wasm") >/dev/null
mv "$tmp/ordered.wasm" "$tmp/opt.wasm"

# The metered module: the same code with the instruction counter of the
# Internet Computer's metering (instrument/, written in Go, no dependencies
# beyond the standard library).
(cd "$here" && go run ./instrument/cmd/meter "$tmp/opt.wasm" "$tmp/metered.wasm") >/dev/null

mkdir -p "$(dirname "$out")"
# The module compiled by the pinned wazero, shipped in linux/amd64 and
# linux/arm64 binaries (wasm.Compiled). wazero's compiler makes code for the
# architecture it runs on, so the other architecture's runs under qemu-user;
# the code does not depend on the OS, but only Linux can run both here.
if [ "$(cd "$here/.." && go env GOHOSTOS)" = linux ]; then
  host=$(cd "$here/.." && go env GOHOSTARCH)
  for arch in amd64 arm64; do
    run=()
    if [ "$arch" != "$host" ]; then
      run=("qemu-$([ "$arch" = amd64 ] && echo x86_64 || echo aarch64)")
      command -v "${run[0]}" >/dev/null || { echo "build.sh: no ${run[0]}: compiled_linux_$arch.gz not made" >&2; continue; }
    fi
    (cd "$here/.." && GOOS=linux GOARCH=$arch CGO_ENABLED=0 go build -o "$tmp/precompile-$arch" ./internal/guest/precompile)
    "${run[@]}" "$tmp/precompile-$arch" "$tmp/opt.wasm" "$(dirname "$out")/compiled_linux_$arch.gz"
  done
fi
cp "$tmp/opt.wasm" "$out"
cp "$tmp/metered.wasm" "$metered"
# Their SHA-256 beside them, so that a process never reads a module to
# learn its cache key (wasm.Sum).
(cd "$(dirname "$out")" && sha256sum "$(basename "$out")" "$(basename "$metered")" > SHA256SUMS)
echo "build.sh: wrote $out ($(stat -c %s "$out") bytes) and $metered ($(stat -c %s "$metered") bytes)"
