#!/usr/bin/env bash
# Rebuilds sqlite3.wasm, sqlite3.metered.wasm, their SHA256SUMS and (on
# Linux) compiled_linux_{amd64,arm64}.gz from source and fails if any differs
# from the committed file in wasm/: the committed files must be exactly what
# build.sh makes from the pinned SQLite, our C files, the metering pass and
# the pinned wazero.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/build.sh" "$tmp/sqlite3.wasm" >/dev/null
status=0
files="sqlite3.wasm sqlite3.metered.wasm SHA256SUMS"
for arch in amd64 arm64; do
  if [ -f "$tmp/compiled_linux_$arch.gz" ]; then
    files="$files compiled_linux_$arch.gz"
  else
    echo "check.sh: wasm/compiled_linux_$arch.gz is not checked here: build.sh did not make it (see its message)"
  fi
done
for f in $files; do
  if cmp -s "$tmp/$f" "$here/../wasm/$f"; then
    echo "check.sh: wasm/$f is reproducible ($(sha256sum "$tmp/$f" | cut -c1-16))"
  else
    echo "check.sh: wasm/$f differs from a fresh build; run sqlite-build/build.sh and commit the result" >&2
    if [[ "$f" == compiled_linux_* ]]; then
      echo "check.sh: (its header names the cache key, which covers this CPU's features: $(gzip -lN "$tmp/$f" | awk 'NR==2{print $4}') here, $(gzip -lN "$here/../wasm/$f" | awk 'NR==2{print $4}') committed)" >&2
    fi
    status=1
  fi
done
exit $status
