"""Precompiles are executed for real (never refused, never faked), under the work bound charged in gas.

Vectors: 2·G1 on alt_bn128 (EIP-196's generator (1, 2) doubled, as every client's test suite has it);
blake2f: EIP-152's test vector 5 (12 rounds of "abc"); point evaluation: the zero polynomial's
commitment and proof (the point at infinity, 0xc0 followed by zeros) open to 0 at 0 (EIP-4844).
"""

import hashlib

import pytest
from eth_hash.auto import keccak

from decoders.evm import EvmUnavailable, execute_safe_tx
from decoders.evm.machine import World
from decoders.safetx import Context, SafeTx, SafeVersion

ZERO = "0x" + "00" * 20
SAFE = "0x1234567890AbcdEF1234567890aBcdef12345678"
CONTEXT = Context(1, SAFE, SafeVersion.parse("1.4.1"))
MULTISEND_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"  # safe-deployments v1.4.1 multi_send (canonical)

G1 = (1).to_bytes(32, "big") + (2).to_bytes(32, "big")
TWO_G1 = bytes.fromhex("030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
                       "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4")
BLAKE2_H = bytes.fromhex("48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"
                         "d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b")
BLAKE2_OUT = bytes.fromhex("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                           "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")


def blake2f_input(rounds: int) -> bytes:
    message = b"abc" + bytes(125)
    return rounds.to_bytes(4, "big") + BLAKE2_H + message + (3).to_bytes(8, "little") + bytes(8) + b"\x01"


def precompile(n: int) -> str:
    return "0x" + n.to_bytes(20, "big").hex()


def tx(to: str, data: bytes, operation: int = 0) -> SafeTx:
    return SafeTx(to, 0, data, operation, 0, 0, 0, ZERO, ZERO, 0)


def pack(entries) -> bytes:
    return b"".join(b"\x00" + bytes.fromhex(to[2:]) + bytes(32) + len(data).to_bytes(32, "big") + data for to, data in entries)


def multisend(entries) -> SafeTx:
    from eth_abi import encode
    return tx(MULTISEND_141, keccak(b"multiSend(bytes)")[:4] + encode(["bytes"], [pack(entries)]), operation=1)


def direct(n: int, data: bytes) -> tuple[bool, bytes]:
    result = World.empty().run(b"\x11" * 20, bytes.fromhex(precompile(n)[2:]), b"", data, 1_000_000, 0, None)
    return result.is_error, result.output


def test_ec_add_computes_for_real():
    assert direct(6, G1 + G1) == (False, TWO_G1)
    assert direct(6, G1 + (1).to_bytes(32, "big") + (3).to_bytes(32, "big"))[0]  # (1, 3) is not on the curve


def test_blake2f_computes_eip152_vector_5():
    assert direct(9, blake2f_input(12)) == (False, BLAKE2_OUT)


@pytest.mark.parametrize("n,data", [(6, G1 + G1), (7, G1 + (2).to_bytes(32, "big")), (9, blake2f_input(12)),
                                    (2, b"abc"), (4, b"\x01\x02")], ids=["ecAdd", "ecMul", "blake2f", "sha256", "identity"])
def test_a_batch_entry_calling_a_precompile_is_executed_and_the_batch_goes_on(n, data):
    later = "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"  # checksummed 0xabab…ab
    execution = execute_safe_tx(multisend([(precompile(n), data), (later, b"\x01")]), CONTEXT)
    assert execution.success
    assert [(c.to, c.data, c.reverted) for c in execution.calls[0].children] == [
        (precompile(n), data, False), (later, b"\x01", False)]


def test_an_invalid_curve_point_fails_the_entry_and_the_batch_reverts():
    bad = G1 + (1).to_bytes(32, "big") + (3).to_bytes(32, "big")
    execution = execute_safe_tx(multisend([(precompile(6), bad), ("0x" + "ab" * 20, b"")]), CONTEXT)
    assert execution.reverted and [c.reverted for c in execution.calls[0].children] == [True]


def test_blake2f_with_millions_of_rounds_stops_at_the_work_bound_before_computing():
    with pytest.raises(EvmUnavailable, match="work bound"):
        execute_safe_tx(tx(precompile(9), blake2f_input(20_000_000)), CONTEXT)


def test_point_evaluation_stops_at_the_work_bound():
    commitment = b"\xc0" + bytes(47)
    data = b"\x01" + hashlib.sha256(commitment).digest()[1:] + bytes(64) + commitment + commitment
    with pytest.raises(EvmUnavailable, match="work bound"):
        execute_safe_tx(multisend([(precompile(10), data)] * 20), CONTEXT)


def test_modexp_with_the_largest_affordable_operands_finishes():
    size = 1024
    data = size.to_bytes(32, "big") * 3 + bytes.fromhex("ee" * size) + bytes.fromhex("fd" * size) + bytes.fromhex("c7" * size)
    execution = execute_safe_tx(tx(precompile(5), data), CONTEXT)
    assert execution.calls[0].to == precompile(5)


def test_curve_arithmetic_is_real_even_when_py_evm_was_imported_with_the_stand_in():
    # In a fresh process decoders.evm imports py-evm with py_ecc stood in (decoders/evm/pyevm_import.py);
    # the first curve precompile call must swap in the real package, not compute with the stand-in.
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys\n"
              "from decoders.evm.machine import World\n"
              "ecadd = sys.modules['eth.precompiles.ecadd']\n"
              "print(type(ecadd.bn128).__name__)\n"
              "g1 = (1).to_bytes(32, 'big') + (2).to_bytes(32, 'big')\n"
              "result = World.empty().run(b'\\x11' * 20, (6).to_bytes(20, 'big'), b'', g1 + g1, 100000, 0, None)\n"
              "print(result.is_error, result.output.hex())\n")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, check=True,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}).stdout.split("\n")
    assert out[0] == "_Inert"  # the stand-in really was in place
    assert out[1] == f"False {TWO_G1.hex()}"
