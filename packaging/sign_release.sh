#!/usr/bin/env bash
# Sign a built release's SHA256SUMS with the release key (OpenSSH SSHSIG, namespace coldsight-release):
#
#   COLDSIGHT_RELEASE_KEY=/media/release-key/coldsight_release bash packaging/sign_release.sh [DIST]
#
# Writes DIST/SHA256SUMS.sig (DIST defaults to dist/), then verifies it with packaging/sshsig.py
# against packaging/release_signers (COLDSIGHT_RELEASE_SIGNERS overrides) and deletes it again if
# the key is not listed there: a release is never published with a signature nobody can check.
# COLDSIGHT_RELEASE_KEY is the private key file (ssh-keygen asks for its passphrase), or its .pub
# when the private half sits in ssh-agent. Key handling: packaging/README.md, "Signing a release".
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=${1:-dist}
KEY=${COLDSIGHT_RELEASE_KEY:?set COLDSIGHT_RELEASE_KEY to the release key file}
SIGNERS=${COLDSIGHT_RELEASE_SIGNERS:-packaging/release_signers}
[ -f "$DIST/SHA256SUMS" ] || { echo "sign_release: $DIST/SHA256SUMS not found (build first)" >&2; exit 64; }
grep -qE '^[0-9a-f]{64}  BUILDINFO$' "$DIST/SHA256SUMS" || { echo "sign_release: SHA256SUMS lists no BUILDINFO" >&2; exit 64; }
(cd "$DIST" && sha256sum --check --strict --quiet SHA256SUMS) || { echo "sign_release: $DIST does not match its SHA256SUMS" >&2; exit 1; }
rm -f "$DIST/SHA256SUMS.sig"
ssh-keygen -q -Y sign -f "$KEY" -n coldsight-release "$DIST/SHA256SUMS"
if ! python3 packaging/sshsig.py verify --signers "$SIGNERS" --signature "$DIST/SHA256SUMS.sig" "$DIST/SHA256SUMS"; then
  rm -f "$DIST/SHA256SUMS.sig"
  echo "sign_release: REFUSED: the key is not one $SIGNERS lists; no signature written" >&2
  exit 1
fi
echo "sign_release: wrote $DIST/SHA256SUMS.sig"
