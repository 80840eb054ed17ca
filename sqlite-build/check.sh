#!/usr/bin/env bash
# Rebuilds sqlite3.wasm from source and fails if it differs from the
# committed wasm/sqlite3.wasm: the committed module must be exactly what
# build.sh makes from the pinned SQLite and our C files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/build.sh" "$tmp/sqlite3.wasm" >/dev/null
if cmp -s "$tmp/sqlite3.wasm" "$here/../wasm/sqlite3.wasm"; then
  echo "check.sh: wasm/sqlite3.wasm is reproducible ($(sha256sum "$tmp/sqlite3.wasm" | cut -c1-16))"
else
  echo "check.sh: wasm/sqlite3.wasm differs from a fresh build; run sqlite-build/build.sh and commit the result" >&2
  exit 1
fi
