"""A parser bug cannot hide behind a way of stopping the EVM check early.

The batch parser is mutated in-process (monkeypatch on decoders.calls.read_batch, the reader the call
tree is built from): each mutation hides one thing the batch really does (a value, the last entry, a
delegatecall). Each is combined with each route that used to switch the comparison off or cut it short
(a precompile entry, a revert before the transaction's call, a revert in the middle of the batch, the
work limit). The verdict must be `block`, through an EVM-check finding no policy can waive, every time.
"""

from dataclasses import replace

import pytest

import decoders.calls
from decoders.vocabulary import NEVER_WAIVABLE_CODES
from tests.builders import address, calldata, erc20_transfer, multisend, packed_entry, service_record
from tests.core.helpers import verify_record

SAFE = address("safe")
TOKEN = address("token")
ALICE = address("alice")
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"  # the Bybit attack's delegatecall target
MULTISEND_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"  # safe-deployments v1.4.1 multi_send (canonical)
EC_PAIRING, BLAKE2F = "0x" + "00" * 19 + "08", "0x" + "00" * 19 + "09"


def _blake2f(rounds: int) -> bytes:
    return rounds.to_bytes(4, "big") + bytes(64) + bytes(128) + bytes(16) + b"\x01"


# What each mutation hides, as the last entry of the batch.
HIDDEN = {
    "value ignored": (0, ATTACKER, 10**21, b""),
    "last entry dropped": (1, ATTACKER, 0, erc20_transfer(ALICE, 0)),
    "operation ignored": (1, ATTACKER, 0, erc20_transfer(ALICE, 0)),
}


def _mutated(original, mutation: str):
    def read_batch(blob, library, executing_as):
        reading = original(blob, library, executing_as)
        entries = list(reading.entries)
        if mutation == "value ignored":
            entries = [replace(entry, value=0) for entry in entries]
        elif mutation == "last entry dropped":
            entries = entries[:-1]
        elif mutation == "operation ignored":
            entries = [replace(entry, operation=0) for entry in entries]
        return replace(reading, entries=tuple(entries))
    return read_batch


# Each route: the entries before the hidden one, and extra SafeTx fields.
ROUTES = {
    "precompile entry": ([(0, EC_PAIRING, 0, b"")], {}),  # ecPairing of nothing: true, 45,000 gas
    "early revert": ([(0, TOKEN, 0, erc20_transfer(ALICE, 1))], {"safeTxGas": str(10**9)}),
    "revert mid-batch": ([(0, SAFE, 0, calldata("changeThreshold(uint256)", ["uint256"], [0]))], {}),  # GS202
    "work limit": ([(0, BLAKE2F, 0, _blake2f(20_000_000))], {}),
}


def _report(entries, **extra):
    blob = b"".join(packed_entry(*entry) for entry in entries)
    return verify_record(service_record(SAFE, MULTISEND_141, data=multisend(blob), operation=1, nonce=5,
                                        safe_version="1.4.1", **extra))


def _shows(report, hidden) -> bool:
    op, to, value, data = hidden
    return any((node.operation, node.to, node.value, node.data) == (op, to, value, data) for node in report.root.walk())


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("mutation", HIDDEN)
def test_a_parser_mutation_behind_an_opt_out_route_still_blocks(monkeypatch, mutation, route):
    before, extra = ROUTES[route]
    entries = before + [HIDDEN[mutation]]
    monkeypatch.setattr(decoders.calls, "read_batch", _mutated(decoders.calls.read_batch, mutation))
    report = _report(entries, **extra)
    assert not _shows(report, HIDDEN[mutation]), "the mutation did not hide anything: the test tests nothing"
    assert report.verdict == "block"
    execution_blocks = [f for f in report.findings if f.code in ("EXECUTION_MISMATCH", "EXECUTION_UNCHECKED")
                        and f.severity == "critical"]
    assert execution_blocks, [f.code for f in report.findings]
    assert all(f.code in NEVER_WAIVABLE_CODES for f in execution_blocks)
    assert report.execution.status != "confirmed"


def test_without_a_mutation_the_precompile_route_is_executed_and_confirmed():
    report = _report([(0, EC_PAIRING, 0, b""), (0, TOKEN, 0, erc20_transfer(ALICE, 1))])
    assert report.execution.status == "confirmed", report.execution.uncovered
    assert report.execution.covered == report.execution.shown == 3
