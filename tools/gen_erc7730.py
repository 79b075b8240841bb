"""Regenerate decoders/data/erc7730/: the bundled subset of the ERC-7730 clear-signing registry,
and tests/intent/erc7730_examples/: the registry's own test examples for those descriptors.

    git clone https://github.com/LedgerHQ/clear-signing-erc7730-registry /tmp/registry
    python tools/gen_erc7730.py /tmp/registry --commit $(git -C /tmp/registry rev-parse HEAD)

Each descriptor is validated against the registry's JSON schema (specs/erc7730-v2.schema.json) with
`jsonschema` (a test peer, never shipped; the `erc7730` PyPI package needs Python 3.12). Files are
re-serialized compactly (sorted keys, no indentation). The registry is CC0-1.0 (LICENSE.md).
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "decoders" / "data" / "erc7730"
EXAMPLES = REPO / "tests" / "intent" / "erc7730_examples"
# The subset: the generic ERC-20 file and token descriptors with test examples, WETH, and DeFi
# protocols (Aave v3 pool and gateway, Lido wstETH) whose fields this renderer can show exactly.
DESCRIPTORS = (
    "ercs/calldata-erc20-tokens.json",
    "registry/walletconnect/calldata-wct.json",
    "registry/weth/calldata-weth.json",
    "registry/aave/calldata-lpv3.json",
    "registry/aave/calldata-WrappedTokenGatewayV3.json",
    "registry/lido/calldata-wstETH.json",
)
SCHEMA = "specs/erc7730-v2.schema.json"


def tests_file(descriptor: str) -> str | None:
    folder, name = descriptor.rsplit("/", 1)
    return f"{folder}/tests/{name[:-5]}.tests.json" if folder.startswith("registry/") else None


def validate(document: dict, schema: dict, where: str) -> None:
    import jsonschema

    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        raise SystemExit(f"{where}: not a valid ERC-7730 v2 descriptor: {errors[0].message}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registry", type=Path, help="a checkout of LedgerHQ/clear-signing-erc7730-registry")
    parser.add_argument("--commit", required=True, help="the registry commit the checkout is at (recorded)")
    args = parser.parse_args()
    schema = json.loads((args.registry / SCHEMA).read_text())
    licence = (args.registry / "LICENSE.md").read_text()
    if "CC0 1.0 Universal" not in licence:
        raise SystemExit("the registry licence is no longer CC0 1.0: check it before bundling")
    shutil.rmtree(OUT, ignore_errors=True)
    shutil.rmtree(EXAMPLES, ignore_errors=True)
    bundled, examples = [], []
    for descriptor in DESCRIPTORS:
        document = json.loads((args.registry / descriptor).read_text())
        validate(document, schema, descriptor)
        document.pop("$schema", None)
        target = OUT / descriptor
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
        bundled.append(descriptor)
        tests = tests_file(descriptor)
        if tests and (args.registry / tests).exists():
            cases = json.loads((args.registry / tests).read_text())["tests"]
            target = EXAMPLES / tests
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps({"descriptor": descriptor, "tests": cases}, indent=1) + "\n")
            examples.append(tests)
    index = {
        "source": f"LedgerHQ/clear-signing-erc7730-registry at commit {args.commit}",
        "licence": "CC0-1.0 (the registry's LICENSE.md)",
        "regenerate": "python tools/gen_erc7730.py <registry checkout> --commit <sha>",
        "descriptors": bundled,
    }
    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    print(f"{len(bundled)} descriptors, {len(examples)} example files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
