#!/usr/bin/env bash
# Install the node test peers (tests/node/node_modules) exactly as package-lock.json pins them.
# Idempotent: does nothing when node_modules was installed from the current lock file.
# Install scripts are skipped: no peer needs one (secp256k1's native build has a JS fallback).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
stamp=node_modules/.coldsight-lock.sha256
wanted="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"

if [[ -d node_modules && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi

command -v npm >/dev/null || { echo "tests/node/setup.sh: npm not found (Node 20 is needed for the test peers)" >&2; exit 1; }
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >"$log" 2>&1; then
    echo "tests/node/setup.sh: npm ci failed:" >&2
    cat "$log" >&2
    exit 1
fi
echo "$wanted" >"$stamp"
echo "tests/node: installed test peers from package-lock.json"
