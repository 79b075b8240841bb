"""The static batch reading and refund bound agree with the real Safe + MultiSend bytecode (decoders.evm).

Each hostile byte string is executed through the Safe's real execTransaction and the real library
bytecode (py-evm, offline); the calls the library makes must be exactly the entries Coldsight
reads, in order, and the batch must revert exactly when Coldsight says it does. Entry values are
kept small so that no call fails for want of balance (a runtime fact, not a reading).
"""

import json

import pytest

from decoders.formats import parse_bytes
from decoders.verify import VerifyOptions, resolve, verify_payload

from .peers import OWNERS, ZERO, erc20_transfer, hex0x, multisend, packed_entry, service_record

evm = pytest.importorskip("decoders.evm")

# @safe-global/safe-deployments src/assets/v1.4.1, v1.5.0, v1.3.0: canonical addresses.
MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
MS_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"
MSCO_150 = "0xA83c336B20401Af773B6219BA5027174338D1836"
MS_130 = "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
A, B = OWNERS[0], OWNERS[1]
E1 = packed_entry(0, A, 1, b"")
E2 = packed_entry(0, USDC, 0, erc20_transfer(B, 5))

CASES = [
    ("clean", MSCO_141, 1, "1.4.1", E1 + E2),
    ("truncated header", MSCO_141, 1, "1.4.1", E1 + E2[:40]),
    ("truncated data", MSCO_141, 1, "1.4.1", E1 + E2[:-20]),
    ("data 1000 bytes past the end", MSCO_141, 1, "1.4.1", packed_entry(0, A, 0, b"")[:-32] + (1000).to_bytes(32, "big")),
    ("trailing 1", MSCO_141, 1, "1.4.1", E1 + b"\x01"),
    ("trailing 32", MSCO_141, 1, "1.4.1", E1 + b"\xff" * 32),
    ("trailing 33", MSCO_141, 1, "1.4.1", E1 + b"\x00" + bytes.fromhex("77" * 20) + bytes(12)),
    ("trailing 60", MSCO_141, 1, "1.4.1", E1 + b"\x00" + bytes.fromhex("77" * 20) + bytes(39)),
    ("huge dataLength", MSCO_141, 1, "1.4.1", E1 + packed_entry(0, A, 0, b"")[:-32] + (2**255).to_bytes(32, "big")),
    ("operation 2", MS_141, 1, "1.4.1", E1 + packed_entry(2, B, 0, b"") + E2),
    ("CallOnly + delegatecall", MSCO_141, 1, "1.4.1", E1 + packed_entry(1, B, 0, b"\x01\x02\x03\x04")),
    ("MultiSend + delegatecall", MS_141, 1, "1.4.1", E1 + packed_entry(1, B, 0, b"\x01\x02\x03\x04")),
    ("1.5.0 to == 0", MSCO_150, 1, "1.5.0", packed_entry(0, ZERO, 0, b"") + E1),
    ("1.3.0 MultiSend, trailing 40", MS_130, 1, "1.3.0", E2 + b"\x00" + bytes.fromhex("66" * 20) + bytes(19)),
    ("CallOnly called directly", MSCO_141, 0, "1.4.1", E1 + E2),
    ("MultiSend called directly", MS_141, 0, "1.4.1", E1 + E2),
]


def _flatten(call) -> list:
    return [(c.operation, c.to, c.value, c.data) for c in call.children]


@pytest.mark.parametrize("to,operation,version,blob", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_static_reading_equals_the_bytecode(to, operation, version, blob):
    record = service_record(to=to, data=hex0x(multisend(blob)), operation=operation, safeVersion=version,
                            safeTxGas="3000000")  # safeTxGas > 0: a failing batch does not revert the whole tx
    payload = parse_bytes(json.dumps(record).encode(), "test")
    context = resolve(payload, VerifyOptions())
    if version not in evm.available_versions():
        pytest.skip(f"no bundled bytecode for Safe {version}")
    execution = evm.execute_safe_tx(payload.tx, context)
    batch_call = next(c for c in execution.calls if c.purpose == "transaction")
    report = verify_payload(payload)
    root = report.root
    if operation == 0:
        # A plain CALL leaves the Safe: the oracle records it as a leaf with the exact calldata and does
        # not run the library (its calls would come from the library's address, not the Safe's). The
        # static tree must say the same: the entries run as the library, and the finding names the class.
        assert (batch_call.operation, batch_call.to, batch_call.data, batch_call.executed) == (0, to, payload.tx.data, False)
        assert all(child.runs_as == to for child in root.children)
        assert "BATCH_NOT_DELEGATECALLED" in [f.code for f in report.findings]
        return
    reading = root.batch
    assert [(c.operation, c.to, c.value, c.data) for c in root.children] == _flatten(batch_call)
    assert (reading.reverts_at is not None) == batch_call.reverted


# ---- the refund bound against the real handlePayment --------------------------------------------

@pytest.mark.parametrize("data", [b"", b"\x11" * 20_000], ids=["no data", "20 kB data"])
@pytest.mark.parametrize("version", ["1.1.1", "1.3.0", "1.4.1", "1.5.0"])
def test_refund_paid_by_the_bytecode_is_within_the_bound(version, data):
    if version not in evm.available_versions():
        pytest.skip(f"no bundled bytecode for Safe {version}")
    price, safe_tx_gas, base_gas = 10**9, 50_000, 21_000
    record = service_record(to=A, value="1", data=hex0x(data), safeVersion=version, safeTxGas=str(safe_tx_gas),
                            baseGas=str(base_gas), gasPrice=str(price))
    payload = parse_bytes(json.dumps(record).encode(), "test")
    execution = evm.execute_safe_tx(payload.tx, resolve(payload, VerifyOptions()))
    paid = [c.value for c in execution.calls if c.purpose == "refund"]
    bound = verify_payload(payload).refund.max_amount
    assert len(paid) == 1 and base_gas * price < paid[0] <= bound
    # not absurdly loose: the callee here uses no gas, so at most safeTxGas + 40,000 gas separate them
    assert bound - paid[0] <= (safe_tx_gas + 40_000) * price
