#!/usr/bin/env bash
# Compares the drivers: runs every driver's benchmarks in interleaved rounds
# (mattn, modernc, ncruces v0.32, ncruces v0.35, ours file/heap/stable and
# stable on the metered module, then
# again, ...), keeps the raw outputs, and writes the results tables into
# README.md between <!-- results:begin --> and <!-- results:end -->.
#
#   ./run.sh                               # 3 rounds, -benchtime 1s
#   ROUNDS=5 BENCHTIME=3x ./run.sh
#   BENCH=Join ONLY="mattn ours-file" ./run.sh
#
# Settings (environment):
#   ROUNDS     rounds (default 3); each round runs every driver once
#   BENCHTIME  go test -benchtime (default 1s; 1x is the quickest)
#   BENCH      regular expression for the workloads (sub-benchmarks), as in
#              -bench; default . (all)
#   ONLY       space-separated driver labels to run (default all):
#              mattn modernc ncruces032 ncruces035 ours-file ours-heap ours-stable
#              ours-metered
#   OUT        directory for the binaries, raw outputs and meta.txt
#              (default: a new temporary directory)
#   NOREADME   set to 1 to leave README.md alone (the report is printed)
#
# Each driver's test binary is built once (go test -c, the same build
# go test -bench would make) and each run is that binary with
# -test.run '^$' -test.bench ... -test.benchtime "$BENCHTIME", in its
# package directory, so every round runs identical code.
set -euo pipefail
cd "$(dirname "$0")"
BENCHDIR=$PWD

ROUNDS=${ROUNDS:-3}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}
ONLY=${ONLY:-}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/stablesqlite-bench.XXXXXX")}
mkdir -p "$OUT/bin"
rm -rf "$OUT/raw" && mkdir "$OUT/raw"

# label | module directory | package (relative to the module) | top-level benchmark
UNITS=(
	"mattn|.|./mattn|Mattn"
	"modernc|.|./modernc|Modernc"
	"ncruces032|ncruces032|.|Ncruces032"
	"ncruces035|ncruces035|.|Ncruces035"
	"ours-file|.|./ours|OursFile"
	"ours-heap|.|./ours|OursHeap"
	"ours-stable|.|./ours|OursStable"
	"ours-metered|.|./ours|OursStableMetered"
)

selected=()
for u in "${UNITS[@]}"; do
	label=${u%%|*}
	if [[ -z $ONLY || " $ONLY " == *" $label "* ]]; then
		selected+=("$u")
	fi
done
if ((${#selected[@]} == 0)); then
	echo "run.sh: ONLY=$ONLY selects no driver" >&2
	exit 2
fi

binname() { # module dir, package -> binary path, named after the package directory
	local dir
	dir=$(cd "$BENCHDIR/$1/$2" && pwd)
	dir=${dir#"$BENCHDIR"/}
	echo "$OUT/bin/${dir//\//_}.test"
}

echo "== building test binaries into $OUT/bin"
for u in "${selected[@]}"; do
	IFS='|' read -r label mod pkg bench <<<"$u"
	(cd "$BENCHDIR/$mod" && go test -c -o "$(binname "$mod" "$pkg")" "$pkg")
done

# What the report's header says.
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "rounds: $ROUNDS"
	echo "benchtime: $BENCHTIME"
	echo "bench: $BENCH"
	echo "nproc: $(nproc)"
	echo "cpu: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || uname -m)"
	echo "kernel: $(uname -sr)"
	echo "go: $(go version)"
	go list -m -f 'module: {{.Path}} {{.Version}}' github.com/mattn/go-sqlite3 modernc.org/sqlite
	(cd ncruces032 && go list -m -f 'module: {{.Path}} {{.Version}}' github.com/ncruces/go-sqlite3)
	(cd ncruces035 && go list -m -f 'module: {{.Path}} {{.Version}}' github.com/ncruces/go-sqlite3)
	go list -m -f 'module: {{.Path}} {{.Version}}' github.com/tetratelabs/wazero
	if commit=$(git -C .. rev-parse --short HEAD 2>/dev/null); then
		# What the driver is built from (the root module's packages).
		if [[ -n $(git -C .. status --porcelain -- go.mod go.sum driver backend wasm 2>/dev/null) ]]; then
			commit="$commit with uncommitted changes"
		fi
		echo "ours: commit $commit"
	else
		echo "ours: the working tree"
	fi
} >"$OUT/meta.txt"

failed=()
for ((r = 1; r <= ROUNDS; r++)); do
	for u in "${selected[@]}"; do
		IFS='|' read -r label mod pkg bench <<<"$u"
		bin=$(binname "$mod" "$pkg")
		raw="$OUT/raw/round$(printf %02d "$r")-$label.txt"
		echo "== round $r/$ROUNDS: $label"
		if ! (cd "$BENCHDIR/$mod/$pkg" && "$bin" -test.run '^$' -test.bench "^Benchmark$bench\$/$BENCH" \
			-test.benchtime "$BENCHTIME" -test.timeout 2h) 2>&1 | tee "$raw"; then
			failed+=("$label (round $r)")
		fi
	done
done
for f in "${failed[@]}"; do
	echo "failed: $f" >>"$OUT/meta.txt"
done

echo "== raw outputs in $OUT/raw"
if [[ ${NOREADME:-} == 1 ]]; then
	cp README.md "$OUT/README.md"
	go run ./cmd/report -dir "$OUT" -readme "$OUT/README.md"
	sed -n '/<!-- results:begin -->/,/<!-- results:end -->/p' "$OUT/README.md"
else
	go run ./cmd/report -dir "$OUT" -readme README.md
	echo "== results written into README.md"
fi
if ((${#failed[@]})); then
	echo "run.sh: failed: ${failed[*]}" >&2
	exit 1
fi
