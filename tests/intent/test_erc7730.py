"""ERC-7730 descriptors render what the registry's own test examples expect.

Each example is a real Ethereum transaction (`rawTx`, decoded here with `rlp`) and the texts a
Ledger device showed for it (`expectedTexts`). Coldsight reviews a Safe transaction making the
same call and its intent must contain every field label and value the device showed. Device
chrome that is not about the call ("Interaction with" + the contract, "Max fees" + the fee) is
left out; a device's line breaks are spaces; a full address may appear in the exact values
(`intent.raw`) since the line shows it short; "???" is a device that lacked the token's
metadata and showed the raw amount."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import rlp

from decoders import erc7730
from tests.builders import address

from .helpers import review

EXAMPLES = Path(__file__).resolve().parent / "erc7730_examples"
DATA = Path(__file__).resolve().parents[2] / "decoders" / "data" / "erc7730"
CHROME = {"Interaction with", "Max fees"}


def decode_raw_tx(raw: str) -> tuple[int, str, int, bytes]:
    """(chain id, to, value, data) of a legacy (EIP-155) or EIP-1559 transaction."""
    blob = bytes.fromhex(raw[2:])
    if blob[0] == 2:
        fields = rlp.decode(blob[1:])
        chain, to, value, data = fields[0], fields[5], fields[6], fields[7]
    else:
        fields = rlp.decode(blob)
        to, value, data, v = fields[3], fields[4], fields[5], int.from_bytes(fields[6], "big")
        chain = v.to_bytes(8, "big") if len(fields[7]) == 0 else ((v - 35) // 2).to_bytes(8, "big")
    from eth_utils import to_checksum_address

    return int.from_bytes(chain, "big"), to_checksum_address(to), int.from_bytes(value, "big"), bytes(data)


def cases():
    found = []
    for path in sorted(EXAMPLES.rglob("*.tests.json")):
        document = json.loads(path.read_text())
        for case in document["tests"]:
            found.append(pytest.param(document["descriptor"], case, id=f"{path.stem}:{case['description']}"))
    return found


def shown_texts(expected: list[str]) -> list[str]:
    """The expected texts about the call itself: chrome labels and the value after each dropped."""
    kept, skip_next = [], False
    for text in expected:
        if skip_next:
            skip_next = False
            continue
        if text in CHROME:
            skip_next = True
            continue
        kept.append(text)
    return kept


def squash(text: str) -> str:
    return re.sub(r"[\s,]", "", text).lower()


# Examples where Coldsight differs from the device on purpose.
STRICTER = {  # (tests file stem, description): why Coldsight refuses what the device showed
    ("calldata-weth.tests", "Wrap - chain 1"):
        "the calldata is deposit() plus one stray byte (0x76): strict decoding refuses bytes the signer never sees",
}


def sender_labels(descriptor: str, data: bytes) -> set[str]:
    """Labels of this function's fields showing `@.from`: the device showed the EOA that sent the
    example; in a Safe transaction the sender is the Safe."""
    from eth_utils import keccak

    document = json.loads((DATA / descriptor).read_text())
    for signature, spec in document["display"]["formats"].items():
        name, _, params = signature.partition("(")
        types = ",".join(part.strip().split(" ")[0] for part in params[:-1].split(",") if part.strip())
        if keccak(text=f"{name}({types})")[:4] == data[:4]:
            return {field.get("label") for field in spec.get("fields", ()) if field.get("path") == "@.from"}
    return set()


@pytest.mark.parametrize("descriptor,case", cases())
def test_registry_example(descriptor, case, request):
    chain, to, value, data = decode_raw_tx(case["rawTx"])
    safe = address("erc7730-safe")
    report = review(to, data, value=value, chain_id=chain, safe=safe)
    intent = report.intents["0"]
    stem = Path(request.node.callspec.id.split(":", 1)[0]).name
    if (stem, case["description"]) in STRICTER:
        assert "cannot decode safely" in intent.text
        assert "UNDECODABLE_CALLDATA" in [f.code for f in report.findings]
        return
    assert intent.source == f"erc7730:{descriptor}", intent
    line, raws = squash(intent.text), [squash(v) for _, v in intent.raw]
    senders, previous = sender_labels(descriptor, data), None
    for expected in shown_texts(case["expectedTexts"]):
        flat = squash(expected)
        if previous in senders:
            assert dict(intent.raw)[previous] == safe, (expected, intent)
        elif flat.endswith(".eth"):
            pass  # an ENS name the online device looked up; offline, Coldsight shows the address
        elif re.fullmatch(r"0x[0-9a-f]{40}", flat):
            assert flat in raws, (expected, intent)
        elif flat.endswith("???"):
            number = flat[:-3]
            assert number in raws or (number == "unlimited" and "unlimited" in line), (expected, intent)
        else:
            assert flat in line, (expected, intent.text)
        previous = expected


def test_bundle_is_the_generated_subset():
    index = json.loads((DATA / "index.json").read_text())
    assert "CC0" in index["licence"] and "clear-signing-erc7730-registry" in index["source"]
    assert [d.file for d in erc7730._descriptors()] == index["descriptors"]
    assert any(f.startswith("ercs/calldata-erc20") for f in index["descriptors"])


def test_descriptors_match_the_registry_schema():
    import jsonschema  # dev.lock: the validator the registry's own tooling uses (the erc7730 package needs 3.12)

    schema = json.loads((EXAMPLES / "erc7730-v2.schema.json").read_text())
    for file in json.loads((DATA / "index.json").read_text())["descriptors"]:
        document = json.loads((DATA / file).read_text())
        jsonschema.Draft7Validator(schema).validate(document)


def test_generic_erc20_descriptor_renders_a_listed_token_when_asked():
    # The registry's ERC-20 file (no deployments): the same call as the WCT "Send" example, on USDC.
    from decoders.names import Names
    from tests.builders import USDC, erc20_transfer

    report = review(USDC, erc20_transfer(address("erc7730-to"), 2_500_000))
    node = report.root
    text, file, raw = erc7730.describe(node, Names(1, address("erc7730-safe")), generic=True)
    assert file == "ercs/calldata-erc20-tokens.json"
    assert text.startswith("Send on USDC token (0xA0b8…eB48): Amount 2.5 USDC, To ")
    assert ("Amount", "2500000") in raw
