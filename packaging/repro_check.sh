#!/usr/bin/env bash
# Reproducibility check: build the committed source twice, in two clean directories with
# different paths, and compare the SHA-256 of every file produced (app files and installers).
#
#   bash packaging/repro_check.sh [COMMIT]      (default HEAD; exit 0 only if all files match)
#
# Environment: COLDSIGHT_SKIP_INSTALLERS=1 compares only the frozen app (faster);
# REPRO_WORK=DIR keeps the two trees there (default: a temporary directory, removed afterwards);
# COLDSIGHT_DEMO_BUILD=1 is passed on to build.sh, which refuses a tree that ships the example
# trust set unless told it is a demo build.
set -euo pipefail
cd "$(dirname "$0")/.."
COMMIT=$(git rev-parse --verify "${1:-HEAD}^{commit}")  # pinned: HEAD may move while we build
WORK=${REPRO_WORK:-$(mktemp -d /tmp/coldsight-repro.XXXXXX)}
[ -n "${REPRO_WORK:-}" ] || trap 'rm -rf "$WORK"' EXIT
export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct "$COMMIT") COLDSIGHT_COMMIT=$COMMIT  # the export has no .git

build_in() {  # $1: directory name; a clean export of COMMIT (no .git, no untracked files)
  local tree=$WORK/$1
  rm -rf "$tree" && mkdir -p "$tree"
  git archive --format=tar "$COMMIT" | tar -x -C "$tree"
  echo "== building $COMMIT in $tree" >&2
  (cd "$tree" && bash packaging/build.sh > "$WORK/$1.log" 2>&1) || { tail -30 "$WORK/$1.log" >&2; exit 1; }
  (cd "$tree/dist" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort | while IFS= read -r f; do
     if [ -L "$f" ]; then printf 'symlink:%s  %s\n' "$(readlink "$f")" "$f"; else sha256sum "$f"; fi
   done) > "$WORK/$1.sha256"
}

build_in first-build
build_in second.build.in.another.path
if diff -u "$WORK/first-build.sha256" "$WORK/second.build.in.another.path.sha256" > "$WORK/differences.diff"; then
  echo "REPRODUCIBLE: $(wc -l < "$WORK/first-build.sha256") files identical in both builds of $COMMIT" >&2
  grep -E '\.(deb|tar\.gz)$' "$WORK/first-build.sha256" >&2 || true
else
  echo "NOT REPRODUCIBLE: these files differ (full diff in $WORK/differences.diff):" >&2
  grep '^[-+][0-9a-f]' "$WORK/differences.diff" | awk '{print $2}' | sort -u >&2
  exit 1
fi
