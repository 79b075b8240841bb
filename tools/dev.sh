#!/usr/bin/env bash
# One entry point for a fresh machine with Python 3.11:
#   bash tools/dev.sh demo   set up (runtime deps only) and verify the bundled Bybit attack payload
#   bash tools/dev.sh test   set up (runtime + test deps, node test peers, strace, Xvfb), lint (ruff,
#                            mypy), build the frozen app and installers (packaging/build.sh), run the
#                            whole test suite against both (COLDSIGHT_SKIP_FROZEN=1 skips the build)
#   bash tools/dev.sh test --fast   lint, then the suite without the frozen build and without tests
#                            marked slow, frozen or node (under 2 minutes on 2 cores); for local work
#   bash tools/dev.sh lint   ruff and mypy only (config in pyproject.toml)
#   bash tools/dev.sh loop   set up (the courier's packages, anvil from npm), then the whole signer's loop on a
#                            local chain (tools/loop.py): anvil, a 2-of-3 Safe, the service stand-in, two
#                            queued transactions; prints the next commands (README) and runs until Ctrl+C
# Everything is installed from hash-pinned lock files into .venv/ (pip --require-hashes).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3.11}
VENV=$ROOT/.venv

setup() {  # $1: lock file
  local lock=$1 stamp
  stamp="$VENV/.installed-$(sha256sum "$lock" pyproject.toml | sha256sum | cut -c1-16)-$(basename "$lock")"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
    touch "$stamp"
  fi
  # Always (2 s): an editable install records the top-level packages that existed when it ran.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
}

lint() {  # any finding fails the run (set -e); both read their config from pyproject.toml
  "$VENV/bin/ruff" check --quiet .
  "$VENV/bin/mypy"
}

apt_install() {  # Debian packages; only the missing ones are installed
  local package missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    (apt-get update -qq && apt-get install -y -qq "${missing[@]}") >/dev/null
  fi
}

case "${1:-}" in
  demo)
    setup requirements/runtime.lock
    set +e
    "$VENV/bin/coldsight" verify examples/bybit-attack.json
    status=$?
    echo "(coldsight exited with status $status: 0 ok, 1 warn, 2 block, 3 invalid payload)"
    [ "$status" -eq 2 ]  # the bundled attack must be blocked
    ;;
  lint)
    setup requirements/dev.lock
    lint
    ;;
  loop)
    # The courier's packages (web3, eth-account) beside the runtime set: online.lock where it exists,
    # else dev.lock (a superset; what `test` installs).
    lock=requirements/online.lock
    [ -f "$lock" ] || lock=requirements/dev.lock
    setup "$lock"
    bash tests/node/setup.sh
    exec "$VENV/bin/python" tools/loop.py
    ;;
  test)
    shift
    fast=0
    if [ "${1:-}" = --fast ]; then
      fast=1
      shift
    fi
    setup requirements/dev.lock
    lint
    if [ "$fast" = 1 ]; then
      QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m pytest -q -p no:cacheprovider -n 2 \
        -m "not slow and not frozen and not node" "$@"
      exit
    fi
    bash tests/node/setup.sh
    # The GUI's no-network check runs on the real xcb plugin under Xvfb (it skips without one).
    apt_install xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 openssh-client  # ssh-keygen: tests/release
    if [ "${COLDSIGHT_SKIP_FROZEN:-0}" != 1 ]; then
      # The frozen app is tested too (end-to-end and no-socket tests under strace), so a missing
      # hidden import or a network call in the shipped binary fails the suite.
      apt_install strace
      bash packaging/build.sh --demo  # the checkout ships the example trust set: a demo build, said so
      export COLDSIGHT_FROZEN=1
    fi
    QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m pytest -q -p no:cacheprovider -n 2 "$@"
    ;;
  *)
    echo "usage: bash tools/dev.sh demo|lint|loop|test [--fast] [pytest args]" >&2
    exit 64
    ;;
esac
