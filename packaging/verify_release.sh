#!/usr/bin/env bash
# Check a downloaded Coldsight release against a rebuild from the same commit:
#
#   bash packaging/verify_release.sh RELEASE_DIR [--signers FILE] [--unsigned] [--keep]
#
# Run it in a clone of the Coldsight repository (it needs the release's commit, and build.sh's
# tools: Python 3.11, binutils, dpkg-deb, network access to PyPI). RELEASE_DIR holds what was
# published: SHA256SUMS, SHA256SUMS.sig, BUILDINFO, coldsight.files.sha256 and the installers.
#   1. signature: SHA256SUMS.sig must be a good signature by a key in the signers file
#      (default packaging/release_signers) — checked with packaging/sshsig.py (standard library
#      only); --unsigned skips this for a release that was never signed, and says so;
#   2. checksums: every file SHA256SUMS lists must be in RELEASE_DIR with that SHA-256;
#   3. rebuild: the commit named in BUILDINFO (signed, through SHA256SUMS) is exported with
#      `git archive` into a clean directory and built with packaging/build.sh, the same way;
#   4. compare: every file SHA256SUMS lists must be byte-identical in the rebuild (and the app's
#      per-file list too); the files that differ are named.
# Exit status: 0 the release is what this commit builds; 1 it is not (or cannot be checked); 64 usage.
# Environment: VERIFY_WORK=DIR keeps the rebuild there (default a temporary directory, removed);
# COLDSIGHT_VERIFY_BUILD replaces `bash packaging/build.sh` (the tests use a small stand-in build).
set -euo pipefail
CALLER=$PWD
cd "$(dirname "$0")/.."
ROOT=$PWD
absolute() { case $1 in /*) echo "$1" ;; *) echo "$CALLER/$1" ;; esac; }
usage() { echo "usage: bash packaging/verify_release.sh RELEASE_DIR [--signers FILE] [--unsigned] [--keep]" >&2; exit 64; }
fail() { echo "verify_release: FAILED: $*" >&2; exit 1; }
RELEASE= SIGNERS=$ROOT/packaging/release_signers UNSIGNED=0 KEEP=0
while [ $# -gt 0 ]; do
  case $1 in
    --signers) [ $# -ge 2 ] || usage; SIGNERS=$(absolute "$2"); shift ;;
    --unsigned) UNSIGNED=1 ;;
    --keep) KEEP=1 ;;
    -*) usage ;;
    *) [ -z "$RELEASE" ] || usage; RELEASE=$(absolute "$1") ;;
  esac
  shift
done
[ -n "$RELEASE" ] || usage
[ -d "$RELEASE" ] || { echo "verify_release: $RELEASE is not a directory" >&2; exit 64; }
RELEASE=$(cd "$RELEASE" && pwd)
[ -f "$RELEASE/SHA256SUMS" ] || fail "$RELEASE/SHA256SUMS is missing"
PYTHON=${PYTHON:-python3}

echo "== 1. signature" >&2
if [ "$UNSIGNED" = 1 ]; then
  echo "verify_release: WARNING: --unsigned: the signature is NOT checked; only the rebuild vouches for these files" >&2
else
  [ -f "$RELEASE/SHA256SUMS.sig" ] || fail "SHA256SUMS.sig is missing (a signed release has one; --unsigned to skip)"
  "$PYTHON" "$ROOT/packaging/sshsig.py" verify --signers "$SIGNERS" --namespace coldsight-release \
    --signature "$RELEASE/SHA256SUMS.sig" "$RELEASE/SHA256SUMS" >&2 || fail "the signature on SHA256SUMS is not good"
fi

echo "== 2. checksums of the downloaded files" >&2
(cd "$RELEASE" && sha256sum --check --strict --quiet SHA256SUMS >&2) || fail "a file differs from SHA256SUMS (above)"
grep -qE '^[0-9a-f]{64}  BUILDINFO$' "$RELEASE/SHA256SUMS" || fail "SHA256SUMS does not list BUILDINFO"
info() { sed -n "s/^$1=//p" "$RELEASE/BUILDINFO" | head -1; }
COMMIT=$(info commit) EPOCH=$(info source_date_epoch) DEMO=$(info demo) INSTALLERS=$(info installers)
BUDGET=$(info bundle_budget_mb) OPENCV=$(info opencv)
[[ ${OPENCV:-1} =~ ^[01]$ ]] || fail "BUILDINFO's opencv is not 0 or 1 ($OPENCV)"
[[ ${BUDGET:-250} =~ ^[0-9]{1,6}$ ]] || fail "BUILDINFO's bundle_budget_mb is not a number ($BUDGET)"
[[ $COMMIT =~ ^[0-9a-f]{40}$ ]] || fail "BUILDINFO names no commit ($COMMIT)"
git -C "$ROOT" cat-file -e "$COMMIT^{commit}" 2>/dev/null \
  || fail "commit $COMMIT is not in this clone (git fetch origin, or clone the repository it came from)"
[ "$EPOCH" = "$(git -C "$ROOT" log -1 --format=%ct "$COMMIT")" ] || fail "BUILDINFO's source_date_epoch is not $COMMIT's commit time"

echo "== 3. rebuild $COMMIT" >&2
WORK=${VERIFY_WORK:-$(mktemp -d /tmp/coldsight-verify.XXXXXX)}
[ -n "${VERIFY_WORK:-}" ] || [ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT
TREE=$WORK/source
rm -rf "$TREE" && mkdir -p "$TREE"
git -C "$ROOT" archive --format=tar "$COMMIT" | tar -x -C "$TREE"
BUILD_ARGS=()
[ "$DEMO" = 1 ] && BUILD_ARGS+=(--demo)
SKIP=0; [ "$INSTALLERS" = 1 ] || SKIP=1
(cd "$TREE" && SOURCE_DATE_EPOCH=$EPOCH COLDSIGHT_COMMIT=$COMMIT COLDSIGHT_SKIP_INSTALLERS=$SKIP \
  COLDSIGHT_BUNDLE_BUDGET_MB=${BUDGET:-250} COLDSIGHT_OPENCV=${OPENCV:-1} \
  COLDSIGHT_BUILD_DIR=$WORK/build COLDSIGHT_DIST_DIR=$WORK/dist \
  ${COLDSIGHT_VERIFY_BUILD:-bash packaging/build.sh} "${BUILD_ARGS[@]}" > "$WORK/build.log" 2>&1) \
  || { tail -30 "$WORK/build.log" >&2; fail "the rebuild failed (--keep keeps its log)"; }

echo "== 4. compare" >&2
differ=()
while read -r digest name; do
  rebuilt=$WORK/dist/$name
  if [ ! -f "$rebuilt" ]; then
    differ+=("$name (not produced by the rebuild)")
  elif [ "$(sha256sum < "$rebuilt" | cut -d' ' -f1)" != "$digest" ]; then
    differ+=("$name")
  fi
done < "$RELEASE/SHA256SUMS"
if [ -f "$RELEASE/coldsight.files.sha256" ] && [ -f "$WORK/dist/coldsight.files.sha256" ]; then
  # Name the app files behind a differing installer: the per-file lists, line by line.
  while read -r line; do differ+=("coldsight/${line#*  }  (app file)"); done < <(
    diff <(sort "$RELEASE/coldsight.files.sha256") <(sort "$WORK/dist/coldsight.files.sha256") \
      | sed -n 's/^< //p')
fi
if [ "${#differ[@]}" -gt 0 ]; then
  printf 'verify_release:   differs: %s\n' "${differ[@]}" >&2
  fail "the release is NOT what commit $COMMIT builds: ${#differ[@]} difference(s) above (--keep keeps the rebuild)"
fi
echo "verify_release: OK: all $(wc -l < "$RELEASE/SHA256SUMS") files in SHA256SUMS are byte-identical to a rebuild of $COMMIT" >&2
