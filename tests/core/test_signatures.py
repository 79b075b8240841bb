"""Attached signatures, made with eth-account keys over safe-eth-py's safeTxHash (never Coldsight's)."""

import pytest

from decoders.safetx import AttachedSignature
from decoders.signatures import check_signatures

from .helpers import verify_record
from .peers import (KEYS, OWNERS, approved_hash_signature, contract_signature, hex0x, pack, peer_safe_tx_hash,
                    service_record, sign_eip712, sign_eth_sign)

RECORD = service_record(to=OWNERS[3], value=str(10**17), nonce=9)
DIGEST = peer_safe_tx_hash(RECORD)
OTHER_DIGEST = peer_safe_tx_hash(dict(RECORD, nonce=10))  # the same transfer, one nonce later


def contract_part(owner: str, payload: bytes, offset: int = 65) -> bytes:
    """A confirmation-style contract signature: static part, then length and data at `offset`."""
    return contract_signature(owner, offset) + len(payload).to_bytes(32, "big") + payload


# (id, signer index for the claimed owner, signature bytes, kind, valid, recovered)
CONFIRMATIONS = [
    ("eip712", 0, sign_eip712(KEYS[0], DIGEST), "eip712", True, OWNERS[0]),
    ("eth_sign", 1, sign_eth_sign(KEYS[1], DIGEST), "eth_sign", True, OWNERS[1]),
    ("approved hash", 2, approved_hash_signature(OWNERS[2]), "approved-hash", None, OWNERS[2]),
    ("contract", 3, contract_part(OWNERS[3], b"\x01" * 70), "contract", None, OWNERS[3]),
    ("eip712 wrong owner", 1, sign_eip712(KEYS[0], DIGEST), "eip712", False, OWNERS[0]),
    ("eth_sign wrong owner", 0, sign_eth_sign(KEYS[1], DIGEST), "eth_sign", False, OWNERS[1]),
    ("eip712 over another tx", 0, sign_eip712(KEYS[0], OTHER_DIGEST), "eip712", False, None),
    ("eth_sign over another tx", 0, sign_eth_sign(KEYS[0], OTHER_DIGEST), "eth_sign", False, None),
    ("eth_sign used as eip712", 0, sign_eth_sign(KEYS[0], DIGEST)[:64] + bytes([sign_eth_sign(KEYS[0], DIGEST)[64] - 4]),
     "eip712", False, None),
    ("approved hash names another owner", 2, approved_hash_signature(OWNERS[0]), "approved-hash", False, OWNERS[0]),
    ("contract data outside", 3, contract_signature(OWNERS[3], 65), "invalid", False, OWNERS[3]),
    ("contract offset huge", 3, contract_signature(OWNERS[3], 2**200) + bytes(32), "invalid", False, OWNERS[3]),
    ("v not a Safe type", 0, sign_eip712(KEYS[0], DIGEST)[:64] + b"\x05", "invalid", False, None),
    ("r zero", 0, pack(0, 1, 27), "eip712", False, None),
    ("too short", 0, sign_eip712(KEYS[0], DIGEST)[:64], "invalid", False, None),
]


@pytest.mark.parametrize("owner,signature,kind,valid,recovered", [c[1:] for c in CONFIRMATIONS], ids=[c[0] for c in CONFIRMATIONS])
def test_confirmation(owner, signature, kind, valid, recovered):
    record = dict(RECORD, confirmations=[{"owner": OWNERS[owner], "signature": hex0x(signature), "signatureType": "X"}])
    report = verify_record(record)
    [check] = report.signatures
    assert (check.owner, check.kind, check.valid) == (OWNERS[owner], kind, valid)
    if recovered is not None:
        assert check.recovered == recovered
    if kind in ("eip712", "eth_sign") and valid is False and check.recovered is not None:
        assert check.recovered != OWNERS[owner]
    mismatches = [f for f in report.findings if f.code == "SIGNATURE_MISMATCH"]
    assert bool(mismatches) == (valid is False)
    assert all(f.severity == "critical" for f in mismatches)
    # RECORD pays an address no book names: warn at best (issue 18: an unknown counterparty is never ok)
    assert report.verdict == ("block" if valid is False else "warn")


def test_v_values_are_what_the_kinds_say():
    # Guards the helpers: eth-account must produce v 27/28, and eth_sign adds 4 (Safe's convention).
    assert sign_eip712(KEYS[0], DIGEST)[64] in (27, 28)
    assert sign_eth_sign(KEYS[0], DIGEST)[64] in (31, 32)


def test_packed_signatures_blob():
    dynamic = b"\xaa" * 40
    static = (sign_eip712(KEYS[0], DIGEST) + sign_eth_sign(KEYS[1], DIGEST) + approved_hash_signature(OWNERS[2])
              + contract_signature(OWNERS[3], 4 * 65))
    blob = static + len(dynamic).to_bytes(32, "big") + dynamic
    report = verify_record(dict(RECORD, signatures=hex0x(blob)))
    assert [(c.kind, c.recovered, c.valid) for c in report.signatures] == [
        ("eip712", OWNERS[0], None), ("eth_sign", OWNERS[1], None),
        ("approved-hash", OWNERS[2], None), ("contract", OWNERS[3], None)]
    assert "SIGNATURE_MISMATCH" not in [f.code for f in report.findings]


def test_packed_blob_signed_over_another_transaction_recovers_strangers():
    blob = sign_eip712(KEYS[0], OTHER_DIGEST) + sign_eip712(KEYS[1], OTHER_DIGEST)
    report = verify_record(dict(RECORD, signatures=hex0x(blob)))
    # No owner is claimed in a packed blob, so the recovered addresses are what a signer compares.
    assert [c.kind for c in report.signatures] == ["eip712", "eip712"]
    assert not {c.recovered for c in report.signatures} & set(OWNERS)


def test_confirmations_and_blob_together_and_missing_signature_skipped():
    confirmations = [
        {"owner": OWNERS[0], "signature": hex0x(sign_eip712(KEYS[0], DIGEST))},
        {"owner": OWNERS[1], "signature": None},  # an on-chain approval the service lists without data
    ]
    record = dict(RECORD, confirmations=confirmations, signatures=hex0x(sign_eip712(KEYS[1], DIGEST)))
    report = verify_record(record)
    assert [(c.owner, c.recovered, c.valid) for c in report.signatures] == [(OWNERS[0], OWNERS[0], True), (None, OWNERS[1], None)]


def test_check_signatures_direct_table():
    attached = [
        AttachedSignature(sign_eip712(KEYS[4], DIGEST), OWNERS[4], "a"),
        AttachedSignature(sign_eip712(KEYS[4], DIGEST), OWNERS[3], "b"),
        AttachedSignature(b"", None, "c"),
    ]
    checks = check_signatures(attached, DIGEST)
    assert [(c.where, c.valid, c.recovered) for c in checks] == [("a", True, OWNERS[4]), ("b", False, OWNERS[4]), ("c", False, None)]
