#!/usr/bin/env bash
# Build the Coldsight release for Linux, reproducibly, from requirements/build.lock:
#
#   bash packaging/build.sh
#
# Creates a clean build venv (pip --require-hashes), freezes the one-folder app into
# dist/coldsight/ (executable dist/coldsight/coldsight), packs dist/coldsight_<ver>_amd64.deb and
# dist/coldsight-<ver>-linux-x86_64.tar.gz, and writes dist/SHA256SUMS.
# Environment: PYTHON (default python3.11), COLDSIGHT_ONEFILE=1 (also build dist/onefile/coldsight),
# COLDSIGHT_BUILD_DIR / COLDSIGHT_DIST_DIR (default build/ and dist/ in the checkout),
# COLDSIGHT_SKIP_INSTALLERS=1 (only the frozen app, e.g. for CI), COLDSIGHT_COMMIT (the commit recorded in
# dist/BUILDINFO when building an export that has no .git; default: git rev-parse HEAD),
# COLDSIGHT_BUNDLE_BUDGET_MB (default 250: a release whose app folder is larger is refused, exit 66),
# COLDSIGHT_OPENCV=1 (bundle OpenCV: 371 MB, over the budget; the default 0 leaves it out: 212 MB, cameras
# through V4L2, video files GIF and MJPEG AVI).
# A release never ships the public example policy signers (policies/trust.toml as checked in):
# replace that file with the team's own signers, or say it is a demo build with --demo or
# COLDSIGHT_DEMO_BUILD=1 (tools/dev.sh test does; such a build labels every example-signed policy).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3.11}
BUILD=${COLDSIGHT_BUILD_DIR:-$ROOT/build}
DIST=${COLDSIGHT_DIST_DIR:-$ROOT/dist}
VENV=$BUILD/venv
DEMO_BUILD=${COLDSIGHT_DEMO_BUILD:-0}
export COLDSIGHT_OPENCV=${COLDSIGHT_OPENCV:-0}  # 1: bundle OpenCV (over the budget; the spec; packaging/README.md)
[[ $COLDSIGHT_OPENCV =~ ^[01]$ ]] || { echo "build.sh: COLDSIGHT_OPENCV must be 0 or 1" >&2; exit 64; }
for arg in "$@"; do
  case $arg in
    --demo) DEMO_BUILD=1 ;;
    *) echo "usage: bash packaging/build.sh [--demo]" >&2; exit 64 ;;
  esac
done

# --- trust set: no release with the public example keys -------------------------------------
if ! "$PYTHON" policies/example_keys.py policies/trust.toml >&2; then
  if [ "$DEMO_BUILD" != 1 ]; then
    echo "build.sh: REFUSED: policies/trust.toml holds the public example signers; anyone can sign a policy" >&2
    echo "  they trust. Put your security team's signers in policies/trust.toml, or build a demo with" >&2
    echo "  --demo / COLDSIGHT_DEMO_BUILD=1 (not for real funds)." >&2
    exit 65
  fi
  echo "build.sh: DEMO BUILD with the example trust set (not for real funds)" >&2
fi

# --- reproducibility: fixed time, hash seed, locale, time zone and permissions -------------
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null) || {
    echo "build.sh: not a git checkout; set SOURCE_DATE_EPOCH" >&2; exit 64; }
fi
export SOURCE_DATE_EPOCH PYTHONHASHSEED=0 LC_ALL=C.UTF-8 TZ=UTC
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
umask 022
VERSION=$("$PYTHON" -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS" >&2; }

step "clean build venv from requirements/build.lock (--require-hashes)"
rm -rf "$VENV" "$BUILD/pyinstaller" "$BUILD/pkg" "$DIST"
mkdir -p "$BUILD" "$DIST"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --require-hashes -r requirements/build.lock
# Our own code: a wheel built from this checkout, no dependencies (all of them came from the lock).
"$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation "$ROOT"
rm -rf "$ROOT/build/lib" "$ROOT/build/bdist."*  # setuptools' in-tree leftovers

step "freeze one-folder app"
COLDSIGHT_ONEFILE=0 "$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$BUILD/pyinstaller" packaging/coldsight.spec
if [ "${COLDSIGHT_ONEFILE:-}" = 1 ]; then
  step "freeze one-file app"
  COLDSIGHT_ONEFILE=1 "$VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$DIST/onefile" --workpath "$BUILD/pyinstaller-onefile" packaging/coldsight.spec
fi
"$DIST/coldsight/coldsight" --version >/dev/null  # smoke test: the bootloader and self-test run

# The release bar: the one-folder app against its size budget (sum of file sizes, so the figure is
# as reproducible as the files). A release over budget is refused; a demo build only says so.
BUDGET_MB=${COLDSIGHT_BUNDLE_BUDGET_MB:-250}
[[ $BUDGET_MB =~ ^[0-9]{1,6}$ ]] || { echo "build.sh: COLDSIGHT_BUNDLE_BUDGET_MB must be a number of MB" >&2; exit 64; }
BUNDLE_BYTES=$(find "$DIST/coldsight" -type f -printf '%s\n' | awk '{total += $1} END {print total + 0}')
if [ "$BUNDLE_BYTES" -gt $((BUDGET_MB * 1000000)) ]; then
  echo "build.sh: the bundle is $((BUNDLE_BYTES / 1000000)) MB, over the ${BUDGET_MB} MB budget (packaging/README.md, \"Shrinking the bundle\")" >&2
  if [ "$DEMO_BUILD" != 1 ]; then
    echo "build.sh: REFUSED: a release must fit the budget; COLDSIGHT_BUNDLE_BUDGET_MB raises it, and BUILDINFO records it" >&2
    exit 66
  fi
else
  echo "build.sh: the bundle is $((BUNDLE_BYTES / 1000000)) MB, within the ${BUDGET_MB} MB budget" >&2
fi

if [ "${COLDSIGHT_SKIP_INSTALLERS:-}" != 1 ]; then
  step "installers"
  bash packaging/linux/make_installers.sh "$DIST/coldsight" "$VERSION" "$BUILD/pkg" "$DIST"
fi

step "BUILDINFO and SHA256SUMS"
# What packaging/verify_release.sh needs to rebuild this release; listed in SHA256SUMS, so signed.
COMMIT=${COLDSIGHT_COMMIT:-$(git -C "$ROOT" rev-parse --verify HEAD 2>/dev/null || echo unknown)}
INSTALLERS=1; [ "${COLDSIGHT_SKIP_INSTALLERS:-}" != 1 ] || INSTALLERS=0
printf 'commit=%s\nsource_date_epoch=%s\ndemo=%s\ninstallers=%s\nopencv=%s\nbundle_bytes=%s\nbundle_budget_mb=%s\n' \
  "$COMMIT" "$SOURCE_DATE_EPOCH" "$DEMO_BUILD" "$INSTALLERS" "$COLDSIGHT_OPENCV" "$BUNDLE_BYTES" "$BUDGET_MB" \
  > "$DIST/BUILDINFO"
(cd "$DIST" && find . -maxdepth 2 -type f ! -name SHA256SUMS ! -path './coldsight/*' -printf '%P\n' \
  | LC_ALL=C sort | xargs -r sha256sum > SHA256SUMS)
(cd "$DIST" && find coldsight -type f -printf '%P\n' | LC_ALL=C sort \
  | (cd coldsight && xargs -d '\n' sha256sum) > coldsight.files.sha256)
(cd "$DIST" && sha256sum coldsight.files.sha256 >> SHA256SUMS)
du -sh "$DIST/coldsight" >&2
step "done"
cat "$DIST/SHA256SUMS" >&2
