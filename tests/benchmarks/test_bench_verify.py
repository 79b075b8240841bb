"""Speed of full in-process verification (parse + hashes + call tree + findings + report JSON).

Goals from the issue: a 1-call transaction under 5 ms, a 500-call MultiSendCallOnly batch under
200 ms. Run with `pytest tests/benchmarks --benchmark-enable`; the normal suite only runs each once."""

import json

import pytest

from decoders.formats import parse_bytes
from decoders.verify import verify_payload
from tests.core.peers import OWNERS, erc20_transfer, hex0x, multisend, packed_entry, service_record

MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 MultiSendCallOnly
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def one_call_payload() -> bytes:
    return json.dumps(service_record(to=USDC, data=hex0x(erc20_transfer(OWNERS[0], 10**6)), nonce=1)).encode()


def batch_payload(calls: int) -> bytes:
    blob = b"".join(packed_entry(0, USDC, 0, erc20_transfer(OWNERS[i % 4], 10**6 + i)) for i in range(calls))
    record = service_record(to=MSCO_141, operation=1, data=hex0x(multisend(blob)), safeVersion="1.4.1", nonce=2)
    return json.dumps(record).encode()


def verify_to_json(data: bytes) -> dict:
    return verify_payload(parse_bytes(data, "bench")).as_json()


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
    assert 1 + len(report["calls"]["calls"]) == calls
