#!/usr/bin/env bash
# Time `coldsight verify` as a whole process (interpreter start, imports, verification, output).
# Goal from the issue: under 1 s. Uses hyperfine when installed, else a bash loop with date +%s%N.
#   bash tools/bench_cli.sh [PAYLOAD] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
PAYLOAD=${1:-examples/bybit-attack.json}
RUNS=${2:-20}
PYTHON=${PYTHON:-.venv/bin/python}
CMD=("$PYTHON" -m app.cli verify "$PAYLOAD" --format json)

if command -v hyperfine >/dev/null 2>&1; then
  # exit 2 (block) is the expected verdict for the default payload, so ignore exit codes
  hyperfine --warmup 2 --runs "$RUNS" -i "${CMD[*]}"
  exit 0
fi

"${CMD[@]}" >/dev/null || true  # warm the file cache
times=()
for _ in $(seq "$RUNS"); do
  start=$(date +%s%N)
  "${CMD[@]}" >/dev/null || true
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
min=$(echo "$sorted" | head -1)
max=$(echo "$sorted" | tail -1)
median=$(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
mean=$(( $(printf '%s+' "${times[@]}")0 ))
echo "coldsight verify $PAYLOAD: $RUNS runs, min ${min} ms, median ${median} ms, mean $(( mean / RUNS )) ms, max ${max} ms (goal < 1000 ms)"
