#!/usr/bin/env bash
# Rebuilds sqlite3.wasm, sqlite3.metered.wasm and their SHA256SUMS from source and fails if
# either differs from the committed file in wasm/: the committed modules must
# be exactly what build.sh makes from the pinned SQLite, our C files and the
# metering pass.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/build.sh" "$tmp/sqlite3.wasm" >/dev/null
status=0
for f in sqlite3.wasm sqlite3.metered.wasm SHA256SUMS; do
  if cmp -s "$tmp/$f" "$here/../wasm/$f"; then
    echo "check.sh: wasm/$f is reproducible ($(sha256sum "$tmp/$f" | cut -c1-16))"
  else
    echo "check.sh: wasm/$f differs from a fresh build; run sqlite-build/build.sh and commit the result" >&2
    status=1
  fi
done
exit $status
