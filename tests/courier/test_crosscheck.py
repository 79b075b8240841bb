"""The courier's pure parts: the service-vs-chain cross-check and execTransaction packing (no network)."""

import json
from pathlib import Path

from eth_abi import decode
from eth_account import Account

from courier.chain import ZERO, SafeState, selector
from courier.crosscheck import check_safe_info, check_transaction, parse_service_tx, preview
from courier.execute import EXEC_SIGNATURE, OwnerSignature, exec_calldata, packed_signatures
from tests.signing.peers import peer_safe_tx_hash

ROOT = Path(__file__).resolve().parents[2]
KEYS = [bytes([n]) * 32 for n in (0x11, 0x22, 0x33)]
OWNERS = tuple(Account.from_key(k).address for k in KEYS)
SAFE = "0xC0FFEe0000000000000000000000000000001234"
STATE = SafeState(chain_id=1, block=100, safe=SAFE, version="1.3.0", singleton="0xd9Db270c1B5E3Bd161E8c8503c55cEABeE709552",
                  singleton_name="GnosisSafe 1.3.0 (canonical)", owners=OWNERS, threshold=2, nonce=5, modules=(),
                  guard=ZERO, fallback_handler=ZERO)
INFO = {"address": SAFE, "nonce": 5, "threshold": 2, "owners": list(OWNERS), "masterCopy": STATE.singleton,
        "modules": [], "fallbackHandler": ZERO, "guard": ZERO, "version": "1.3.0"}


def _tx(**changes) -> dict:
    tx = json.loads((ROOT / "tests" / "corpus" / "benign-eth-transfer.json").read_text())
    tx["safeTxHash"] = "0x" + peer_safe_tx_hash(ROOT / "tests" / "corpus" / "benign-eth-transfer.json").hex()
    tx.update(confirmationsRequired=2, confirmations=[])
    tx.update(changes)
    return tx


def test_an_honest_service_agrees_with_the_chain():
    assert check_safe_info(INFO, STATE) == []
    tx = _tx()
    assert check_transaction(tx, preview(parse_service_tx(tx, STATE), STATE), STATE) == []


def test_every_lie_about_the_safe_is_named():
    lying = {**INFO, "owners": [*OWNERS[:2], "0x" + "66" * 20], "threshold": 1, "modules": ["0x" + "77" * 20],
             "guard": None, "version": "1.4.1"}
    found = check_safe_info(lying, STATE)
    assert [line.split(":")[0] for line in found] == ["owners", "threshold", "modules", "version"]


def test_lies_about_a_transaction_are_named():
    stranger = Account.from_key(b"\x44" * 32)
    digest = peer_safe_tx_hash(ROOT / "tests" / "corpus" / "benign-eth-transfer.json")
    confirmation = {"owner": stranger.address, "signature": "0x" + bytes(Account.unsafe_sign_hash(digest, stranger.key).signature).hex(),
                    "signatureType": "EOA"}
    signed_by_stranger = _tx(confirmations=[confirmation])
    found = check_transaction(signed_by_stranger, preview(parse_service_tx(signed_by_stranger, STATE), STATE), STATE)
    assert found == [f"confirmation by {stranger.address}, who is not an owner on chain"]
    tx = _tx(safeTxHash="0x" + "ab" * 32, confirmationsRequired=1, nonce=4)
    found = check_transaction(tx, preview(parse_service_tx(tx, STATE), STATE), STATE)
    joined = "\n".join(found)
    assert "safeTxHash: the service says 0xabab" in joined
    assert "nonce 4 is below the chain's nonce 5" in joined
    assert "confirmationsRequired: the service says 1" in joined


def test_exec_calldata_sorts_signatures_by_owner_and_encodes_the_fields():
    tx = _tx()
    report = preview(parse_service_tx(tx, STATE), STATE)
    signatures = [OwnerSignature(Account.from_key(k).address, bytes(Account.unsafe_sign_hash(report.hashes.safe_tx, k).signature))
                  for k in KEYS]
    packed = packed_signatures(signatures, 2)
    expected_order = sorted(signatures, key=lambda s: s.owner.lower())[:2]
    assert packed == b"".join(s.signature for s in expected_order)
    data = exec_calldata(report.payload.tx, packed)
    assert data[:4] == bytes.fromhex("6a761202")  # execTransaction, as Safe's ABI lists it
    assert selector(EXEC_SIGNATURE) == data[:4]
    fields = decode(["address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address", "bytes"],
                    data[4:])
    assert fields[0].lower() == tx["to"].lower() and fields[1] == int(tx["value"]) and fields[9] == packed


def test_too_few_signatures_is_refused():
    import pytest

    from courier.errors import CourierError

    with pytest.raises(CourierError, match="threshold is 2"):
        packed_signatures([OwnerSignature(OWNERS[0], b"\x01" * 65), OwnerSignature(OWNERS[0].lower(), b"\x02" * 65)], 2)


def test_the_courier_prints_through_the_sanitizing_layer(capsys):
    from courier.cli import main

    status = main(["pending", "--service", "http://127.0.0.1:1/", "--rpc", "http://127.0.0.1:1/\u202e\x1b[2J",
                   "--safe", SAFE])  # nothing listens on port 1 (or the offline guard refuses): an error naming the URL
    err = capsys.readouterr().err
    assert status == 3 and "127.0.0.1:1" in err
    assert "\u202e" not in err and "\x1b" not in err
