"""The public example signers shipped in policies/trust.toml, and a check a release build runs.

Their private keys are keccak256("coldsight example policy signer N"), N = 1, 2, 3 (see
tests/policies/make_examples.py), so anyone can sign with them. Standard library only: the
release build runs this file as a script before any dependency is installed:

    python3 policies/example_keys.py policies/trust.toml    # exit 1 when the file lists one
"""

import sys
import tomllib

EXAMPLE_SIGNERS = frozenset({
    "0x5fBb39a3Ce6A2B386DDb4dD361D66017a2BF6BbB",
    "0x6052966F19C9DEcD40434d2851F264d4B0f5B085",
    "0x3a1d69C64cB8Ca68e4098821c49152404058a08d",
})
_LOWER = {address.lower() for address in EXAMPLE_SIGNERS}


def example_signers_in(trust_text: str) -> list[str]:
    """Addresses of `[[signers]]` in a trust file that are example keys (compared case-insensitively)."""
    signers = tomllib.loads(trust_text).get("signers", [])
    return [s["address"] for s in signers if isinstance(s, dict) and str(s.get("address", "")).lower() in _LOWER]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python3 policies/example_keys.py TRUST.toml", file=sys.stderr)
        return 64
    with open(argv[0], "rb") as handle:
        found = example_signers_in(handle.read().decode("utf-8"))
    for address in found:
        print(f"{argv[0]}: lists the public example signer {address}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
