"""The oracle's work is bounded: a 5,000-entry batch finishes, an endless loop is cut off with a clear error."""

import time

import pytest
from eth_abi import encode
from eth_hash.auto import keccak

from decoders.evm import EvmUnavailable, execute_safe_tx
from decoders.evm import execute as execute_module
from decoders.safetx import Context, SafeTx, SafeVersion

ZERO = "0x" + "00" * 20
SAFE = "0x1234567890AbcdEF1234567890aBcdef12345678"
CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 multi_send_call_only


def batch(n: int) -> SafeTx:
    entries = b"".join(b"\x00" + (0x1000 + i).to_bytes(20, "big") + i.to_bytes(32, "big") + (4).to_bytes(32, "big") + b"\xab\xcd\xef\x01"
                       for i in range(n))
    return SafeTx(CALL_ONLY_141, 0, keccak(b"multiSend(bytes)")[:4] + encode(["bytes"], [entries]), 1, 0, 0, 0, ZERO, ZERO, 0)


@pytest.mark.slow
def test_five_thousand_entry_batch_finishes():
    start = time.perf_counter()
    execution = execute_safe_tx(batch(5000), Context(1, SAFE, SafeVersion.parse("1.4.1")))
    elapsed = time.perf_counter() - start
    assert execution.success
    children = execution.calls[0].children
    assert len(children) == 5000
    assert (children[4999].to, children[4999].value, children[4999].data) == ("0x" + f"{0x1000 + 4999:040x}", 4999, b"\xab\xcd\xef\x01")
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_runs_that_jump_too_often_stop_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(execute_module, "MAX_JUMPS", 100)
    with pytest.raises(EvmUnavailable, match="100 jumps"):
        execute_safe_tx(batch(50), Context(1, SAFE, SafeVersion.parse("1.4.1")))
