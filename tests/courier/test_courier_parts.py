"""The courier's pure parts, without a chain: amounts typed on the command line, the Safe's outcome
events, the next nonce and nonce conflicts. Expected values are written out by hand (event topics
are the published keccak256 of Safe's event signatures, as block explorers list them)."""

from types import SimpleNamespace

import pytest

from courier.errors import CourierError
from courier.execute import execution_outcome
from courier.listing import nonce_conflicts
from courier.propose import next_nonce, parse_amount

SAFE = "0x5AFE00000000000000000000000000000000c01D"
SUCCESS = bytes.fromhex("442e715f626346e8c54381002da614f62bee8d27386535b2521ec8540898556e")
FAILURE = bytes.fromhex("23428b18acfb3ea64b08dc0c1d296ea9c09702c09083ca5272e64d115b687d23")
HASH = bytes(range(32))


@pytest.mark.parametrize(("text", "decimals", "expected"), [
    ("1", 18, 10**18),
    ("1.5", 18, 1_500_000_000_000_000_000),
    ("0.000000000000000001", 18, 1),
    ("2.25", 6, 2_250_000),
    ("2.250000", 6, 2_250_000),  # trailing zeros past the decimals are no extra precision
    ("0", 18, 0),
    ("7", 0, 7),
])
def test_amounts_convert_exactly(text, decimals, expected):
    assert parse_amount(text, decimals, "--value") == expected


@pytest.mark.parametrize(("text", "decimals", "message"), [
    ("0.0000001", 6, "more decimals than the 6"),
    ("1.5", 0, "more decimals than the 0"),
    ("-1", 18, "is not an amount"),
    ("1e18", 18, "is not an amount"),
    ("1,5", 18, "is not an amount"),
    ("", 18, "is not an amount"),
    ("0x10", 18, "is not an amount"),
    ("1" + "0" * 78, 0, "does not fit in 256 bits"),
])
def test_amounts_that_are_refused(text, decimals, message):
    with pytest.raises(CourierError, match=message):
        parse_amount(text, decimals, "--value")


def _log(topics: list[bytes], data: bytes = b"", address: str = SAFE) -> dict:
    return {"address": address, "topics": topics, "data": data}


def test_outcome_events_of_every_safe_version():
    payment = (0).to_bytes(32, "big")
    assert execution_outcome([_log([SUCCESS], HASH + payment)], SAFE, HASH) == "ExecutionSuccess"  # 1.3.0 / 1.4.1
    assert execution_outcome([_log([FAILURE], HASH + payment)], SAFE, HASH) == "ExecutionFailure"
    assert execution_outcome([_log([SUCCESS, HASH], payment)], SAFE, HASH) == "ExecutionSuccess"  # 1.5.0: indexed
    assert execution_outcome([_log([FAILURE, HASH], payment)], SAFE, HASH) == "ExecutionFailure"


def test_outcome_events_that_do_not_count():
    other_hash = bytes(32)
    assert execution_outcome([], SAFE, HASH) is None
    assert execution_outcome([_log([SUCCESS], other_hash)], SAFE, HASH) is None  # another transaction's
    assert execution_outcome([_log([SUCCESS], HASH, "0x" + "11" * 20)], SAFE, HASH) is None  # emitted elsewhere
    transfer = bytes.fromhex("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
    assert execution_outcome([_log([transfer], HASH)], SAFE, HASH) is None


def _report(nonce: int, safe_tx_hash: bytes) -> SimpleNamespace:
    return SimpleNamespace(payload=SimpleNamespace(tx=SimpleNamespace(nonce=nonce)),
                           hashes=SimpleNamespace(safe_tx=safe_tx_hash))


def test_nonce_conflicts_are_pointed_out_once_per_nonce():
    a, b, c = b"\xaa" * 32, b"\xbb" * 32, b"\xcc" * 32
    state = SimpleNamespace(nonce=4)
    lines = nonce_conflicts([_report(4, a), _report(5, c), _report(4, b), _report(4, a)], state)
    assert len(lines) == 1
    assert lines[0].startswith(f"nonce 4 is used by 2 queued transactions (0x{'aa' * 32}, 0x{'bb' * 32})")
    assert "(this is the Safe's next nonce)" in lines[0]
    assert nonce_conflicts([_report(4, a), _report(5, b)], state) == []


def test_next_nonce_follows_the_chain_and_the_queue():
    state = SimpleNamespace(nonce=3)
    assert next_nonce(state, []) == 3
    assert next_nonce(state, [{"nonce": 3}, {"nonce": "4"}]) == 5
    assert next_nonce(state, [{"nonce": 1}]) == 3  # a stale one does not pull it back
