"""The oracle's work is bounded: a 5,000-entry batch finishes, an endless loop or a pile of costly
precompile calls is cut off with a clear error, and the run never gets more gas than a block holds."""

import pytest
from eth_abi import encode
from eth_hash.auto import keccak

from decoders.evm import EvmUnavailable, execute_safe_tx
from decoders.evm import execute as execute_module
from decoders.evm import machine
from decoders.safetx import Context, SafeTx, SafeVersion

ZERO = "0x" + "00" * 20
SAFE = "0x1234567890AbcdEF1234567890aBcdef12345678"
CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 multi_send_call_only
CONTEXT = Context(1, SAFE, SafeVersion.parse("1.4.1"))


def batch(n: int, value: bool = False, safe_tx_gas: int = 0) -> SafeTx:
    entries = b"".join(b"\x00" + (0x1000 + i).to_bytes(20, "big") + (i if value else 0).to_bytes(32, "big")
                       + (4).to_bytes(32, "big") + b"\xab\xcd\xef\x01" for i in range(n))
    return SafeTx(CALL_ONLY_141, 0, keccak(b"multiSend(bytes)")[:4] + encode(["bytes"], [entries]), 1, safe_tx_gas,
                  0, 0, ZERO, ZERO, 0)


@pytest.mark.slow
def test_five_thousand_entry_batch_finishes_within_a_blocks_gas():
    execution = execute_safe_tx(batch(5000), CONTEXT)
    assert execution.success
    children = execution.calls[0].children
    assert len(children) == 5000
    assert (children[4999].to, children[4999].value, children[4999].data) == ("0x" + f"{0x1000 + 4999:040x}", 0, b"\xab\xcd\xef\x01")
    assert execution.gas <= execute_module.BLOCK_GAS_LIMIT


def test_the_run_gets_a_blocks_gas_less_the_intrinsic_cost():
    execution = execute_safe_tx(batch(3), CONTEXT)
    assert execution.gas < execute_module.BLOCK_GAS_LIMIT - 21_000
    assert execution.gas > execute_module.BLOCK_GAS_LIMIT - 21_000 - 16 * 2_000  # the calldata is under 2,000 bytes


def test_a_batch_that_needs_more_gas_than_a_block_holds_stops_early():
    # 1,500 value transfers to fresh accounts cost over 25,000 gas each (EIP-2929 / new-account cost): about 40M.
    execution = execute_safe_tx(batch(1500, value=True), CONTEXT)
    assert execution.reverted and len(execution.calls[0].children) < 1500


def test_safe_tx_gas_above_a_block_is_refused_by_the_safe_itself():
    execution = execute_safe_tx(batch(1, safe_tx_gas=execute_module.BLOCK_GAS_LIMIT), CONTEXT)
    assert (execution.reverted, execution.revert_reason) == (True, "GS010")
    assert execution.calls == []


def test_runs_that_jump_too_often_stop_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(machine, "WORK_LIMIT", 100 * machine.JUMP_WORK)
    with pytest.raises(EvmUnavailable, match="work bound"):
        execute_safe_tx(batch(50), CONTEXT)
