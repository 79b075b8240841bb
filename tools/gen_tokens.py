"""Regenerate decoders/data/tokens.json: the bundled offline token list (chain, address, symbol, decimals).

    npm install --prefix /tmp/tokenlist @uniswap/default-token-list@22.21.0
    python tools/gen_tokens.py /tmp/tokenlist/node_modules/@uniswap/default-token-list
    python tools/gen_tokens.py DIR --check     # exit 1 when the bundled file differs

Only the facts a review needs are kept (address, symbol, decimals per chain); names, logos and
bridge data are dropped to keep the bundle small. SUPPLEMENT adds stablecoins and wrapped coins
of Gnosis Chain (100), a major Safe chain the Uniswap list does not cover, and Lido's stETH/wstETH.
"""

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "decoders" / "data" / "tokens.json"
EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
LIST_FILE = Path("build") / "uniswap-default.tokenlist.json"

# Gnosis Chain tokens (chain 100). Addresses and decimals as listed by the Gnosis Chain docs
# (docs.gnosischain.com/about/tokens) and repeated in SwaprHQ/stackly-ui tokens.ts and the Sushi SDK's
# Gnosis token constants; the tests check each is a well-formed, unique entry.
SUPPLEMENT_SOURCE = ("Gnosis Chain token addresses from docs.gnosischain.com/about/tokens, cross-read in "
                     "SwaprHQ/stackly-ui packages/app/models/token/tokens.ts and the Sushi SDK Gnosis constants; "
                     "Lido stETH/wstETH from docs.lido.fi/deployed-contracts")
SUPPLEMENT = {
    # Lido on Ethereum (docs.lido.fi/deployed-contracts; also the constants of the ERC-7730 registry's
    # registry/lido/calldata-wstETH.json): stETH and wstETH, both 18 decimals, held by many Safes.
    1: [
        ("0xae7ab96520DE3A18E5e111B5EaAb095312D7fE84", "stETH", 18),
        ("0x7f39C581F595B53c5cb19bD0b3f8dA6c935E2Ca0", "wstETH", 18),
    ],
    100: [
        ("0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d", "WXDAI", 18),
        ("0xDDAfbb505ad214D7b80b1f830fcCc89B60fb7A83", "USDC", 6),   # bridged USD Coin (omnibridge)
        ("0x2a22f9c3b484c3629090FeED35F17Ff8F88f76F0", "USDC.e", 6),  # Circle's bridged USDC standard
        ("0x4ECaBa5870353805a9F068101A40E0f32ed605C6", "USDT", 6),
        ("0x9C58BAcC331c9aa871AFD802DB6379a98e80CEdb", "GNO", 18),
        ("0x6A023CCd1ff6F2045C3309768eAd9E68F978f6e1", "WETH", 18),
        ("0x8e5bBbb09Ed1ebdE8674Cda39A0c169401db4252", "WBTC", 8),
    ],
}


def build(package_dir: Path) -> dict:
    package = json.loads((package_dir / "package.json").read_text())
    tokenlist = json.loads((package_dir / LIST_FILE).read_text())
    chains: dict[str, dict[str, list]] = {}
    for token in tokenlist["tokens"]:
        if not EVM_ADDRESS.fullmatch(token["address"]):
            continue  # non-EVM chains in the list (Solana, 501000101): never a Safe
        chains.setdefault(str(token["chainId"]), {})[token["address"]] = [token["symbol"], token["decimals"]]
    for chain_id, rows in SUPPLEMENT.items():
        for address, symbol, decimals in rows:
            chains.setdefault(str(chain_id), {}).setdefault(address, [symbol, decimals])
    version = tokenlist["version"]
    return {
        "source": (f"{package['name']}@{package['version']} ({LIST_FILE}, list version "
                   f"{version['major']}.{version['minor']}.{version['patch']}); plus {SUPPLEMENT_SOURCE}"),
        "licence": (f"{package['name']} is published under {package['license']}; only facts (chain id, "
                    "address, symbol, decimals) are kept, no names, logos or other material of the list"),
        "regenerate": "python tools/gen_tokens.py <node_modules/@uniswap/default-token-list>",
        "tokens": {chain: dict(sorted(rows.items(), key=lambda kv: kv[0].lower()))
                   for chain, rows in sorted(chains.items(), key=lambda kv: int(kv[0]))},
    }


def render(document: dict) -> str:
    # One token per line: small diffs when the list moves, still compact.
    lines = ["{"]
    for key in ("source", "licence", "regenerate"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(document[key])},")
    lines.append('  "tokens": {')
    chains = list(document["tokens"].items())
    for chain_index, (chain, rows) in enumerate(chains):
        lines.append(f"    {json.dumps(chain)}: {{")
        items = list(rows.items())
        for index, (address, row) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            lines.append(f"      {json.dumps(address)}: {json.dumps(row, ensure_ascii=False)}{comma}")
        lines.append("    }" + ("," if chain_index < len(chains) - 1 else ""))
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="the installed @uniswap/default-token-list folder")
    parser.add_argument("--check", action="store_true", help="compare with the bundled file instead of writing")
    args = parser.parse_args()
    text = render(build(args.package_dir))
    if args.check:
        same = OUT.read_text() == text
        print("tokens.json is up to date" if same else "tokens.json differs from the package", file=sys.stderr)
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(REPO)} ({len(text)} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
