"""Speed of full in-process verification (parse + hashes + call tree + findings + report JSON),
and of the static path side by side with safe-eth-py on the same mixed 500-call batch.

Goals: a 1-call transaction under 20 ms and a 500-call MultiSendCallOnly batch under 300 ms, both
including the EVM check (the real Safe bytecode executed offline); and the static path alone on
the mixed batch at least as fast as safe-eth-py's safe_tx_hash + MultiSend.from_transaction_data (`benchmarks/static_vs_safe_eth_py.py` prints medians, p90 and
the ratio; this file's "static-vs-safe-eth-py" group times the same two functions). Run with
`pytest tests/benchmarks --benchmark-enable`; the normal suite only runs each body once."""

import json
import sys
from pathlib import Path

import pytest

from decoders.formats import parse_bytes
from decoders.addressbook import AddressBook, Entry
from decoders.verify import VerifyOptions, verify_payload
from tests.core.peers import OWNERS, erc20_transfer, hex0x, multisend, packed_entry, service_record

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import static_vs_safe_eth_py as side_by_side  # noqa: E402

MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 MultiSendCallOnly
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def one_call_payload() -> bytes:
    return json.dumps(service_record(to=USDC, data=hex0x(erc20_transfer(OWNERS[0], 10**6)), nonce=1)).encode()


def batch_payload(calls: int) -> bytes:
    blob = b"".join(packed_entry(0, USDC, 0, erc20_transfer(OWNERS[i % 4], 10**6 + i)) for i in range(calls))
    record = service_record(to=MSCO_141, operation=1, data=hex0x(multisend(blob)), safeVersion="1.4.1", nonce=2)
    return json.dumps(record).encode()


# The payees, named as a team's address book names them (an unknown payee would be a warning: issue 18).
BOOK = AddressBook()
for index in range(4):
    BOOK.add(Entry(1, OWNERS[index], f"payee {index}"))


def verify_to_json(data: bytes) -> dict:
    return verify_payload(parse_bytes(data, "bench"), VerifyOptions(address_book=BOOK)).as_json()


@pytest.mark.parametrize("name,payload,calls", [
    ("1-call", one_call_payload(), 1),
    ("500-call MultiSendCallOnly", batch_payload(500), 501),
])
def test_bench_verify(benchmark, name, payload, calls):
    benchmark.group = "verify"
    benchmark.name = name
    verify_to_json(payload)  # warm the bundled ABI registry and deployments index once
    report = benchmark(verify_to_json, payload)
    assert report["verdict"] == "ok"
    assert report["execution"]["status"] == "confirmed"  # the EVM check ran and agreed
    assert 1 + len(report["calls"]["calls"]) == calls


MIXED_500 = side_by_side.batch_payload(500)


def test_bench_static_path_mixed_batch(benchmark):
    benchmark.group = "static-vs-safe-eth-py"
    benchmark.name = "coldsight static path"
    side_by_side.coldsight_static(MIXED_500)
    report = benchmark(side_by_side.coldsight_static, MIXED_500)
    nodes = list(report.root.walk())
    # 500 batch entries; wrapped calls inside them (multicall) are unwrapped too.
    assert len(report.root.children) == 500 and all(n.function is not None for n in nodes if n.data)
    # bounded approvals and swap proceeds to addresses no book names: standing allowances to unknown
    # spenders and proceeds to third parties are critical (issue 18)
    assert report.verdict == "block"


def test_bench_safe_eth_py_mixed_batch(benchmark):
    benchmark.group = "static-vs-safe-eth-py"
    benchmark.name = "safe-eth-py safe_tx_hash + MultiSend"
    side_by_side.safe_eth_py(MIXED_500)
    safe_tx_hash, entries, _ = benchmark(side_by_side.safe_eth_py, MIXED_500)
    assert len(entries) == 500
    assert bytes(safe_tx_hash) == side_by_side.coldsight_static(MIXED_500).hashes.safe_tx
