"""Gas refunds: who receives them and the largest amount the Safe can pay, per version.

From safe-smart-account `execTransaction`/`handlePayment`: amount = (gasUsed + baseGas) * price,
gasUsed measured around the inner call, which gets exactly safeTxGas when gasPrice > 0 (1.0.0 on);
0.1.0 measures the whole execution. The window's own cost includes at least the CALL: 2,600 (cold
account, EIP-2929) + 9,000 (value transfer) + 25,000 (new account), yellow paper / EIP-2929.
"""

import pytest

from .helpers import findings_by_code, verify_record
from .peers import OWNERS, ZERO, service_record

SAFE = OWNERS[4]
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
GWEI = 10**9
CALL_WORST_CASE = 2_600 + 9_000 + 25_000


def refund_of(version: str = "1.4.1", **fields):
    record = service_record(to=OWNERS[0], value="1", safeVersion=version, **fields)
    if version.startswith("0.1"):
        record["dataGas"] = record.pop("baseGas")
    return verify_record(record)


@pytest.mark.parametrize("version", ["1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.4.1", "1.5.0"])
def test_max_amount_is_linear_in_safe_tx_gas_and_base_gas(version):
    base = refund_of(version, safeTxGas="100000", baseGas="30000", gasPrice=str(20 * GWEI)).refund
    more_gas = refund_of(version, safeTxGas="100500", baseGas="30000", gasPrice=str(20 * GWEI)).refund
    more_base = refund_of(version, safeTxGas="100000", baseGas="30700", gasPrice=str(20 * GWEI)).refund
    assert more_gas.max_amount - base.max_amount == 500 * 20 * GWEI
    assert more_base.max_amount - base.max_amount == 700 * 20 * GWEI
    overhead = base.max_gas - 100_000 - 30_000
    assert CALL_WORST_CASE <= overhead <= 100_000  # the window costs at least a worst-case CALL, not absurdly more
    assert base.max_amount == base.max_gas * 20 * GWEI


def test_overhead_grows_with_the_data_copied():
    small = refund_of(safeTxGas="1", gasPrice="1", data="0x" + "11" * 4).refund
    large = refund_of(safeTxGas="1", gasPrice="1", data="0x" + "11" * 32_004).refund
    # copying 1000 more words costs at least 3 gas per word (copy) + 3 per word (memory), yellow paper
    assert large.max_gas - small.max_gas >= 6 * 1000


def test_safe_010_refund_has_no_bound():
    report = refund_of("0.1.0", safeTxGas="100000", baseGas="1", gasPrice="1")
    assert report.refund.max_amount is None
    assert [f.severity for f in findings_by_code(report, "GAS_REFUND")] == ["critical"]
    assert report.as_json()["refund"]["maxAmount"] is None


@pytest.mark.parametrize("version,note", [("1.0.0", True), ("1.1.1", False), ("1.4.1", False)])
def test_native_price_cap_exists_from_111(version, note):
    refund = refund_of(version, safeTxGas="1", gasPrice="1").refund
    assert any("before Safe 1.1.0" in n for n in refund.notes) is note


# (id, fields, severity)
SEVERITIES = [
    ("executor, small native", dict(safeTxGas="100000", baseGas="20000", gasPrice=str(10 * GWEI)), "warn"),
    ("executor, native above 0.1", dict(safeTxGas="100000", baseGas="20000000", gasPrice=str(10 * GWEI)), "critical"),
    ("fixed receiver", dict(safeTxGas="1", gasPrice="1", refundReceiver=OWNERS[2]), "critical"),
    ("token refund", dict(safeTxGas="1", gasPrice="1", gasToken=USDC), "critical"),
    ("refund to the Safe itself", dict(safeTxGas="1", gasPrice="1", refundReceiver=SAFE, gasToken=USDC), "info"),
    ("inert: price 0", dict(gasToken=USDC, refundReceiver=OWNERS[2]), "info"),
]


@pytest.mark.parametrize("fields,severity", [row[1:] for row in SEVERITIES], ids=[row[0] for row in SEVERITIES])
def test_refund_severity(fields, severity):
    report = refund_of(**fields)
    assert [f.severity for f in findings_by_code(report, "GAS_REFUND")] == [severity]


def test_refund_json():
    report = refund_of(safeTxGas="50000", baseGas="1000", gasPrice=str(GWEI), gasToken=USDC).as_json()
    refund = report["refund"]
    assert refund["token"] == USDC and refund["receiver"] is None and refund["receiverIsExecutor"] is True
    assert int(refund["maxAmount"]) == int(refund["maxGas"]) * GWEI and refund["decimals"] == 6  # USDC is listed
    # in the token's units (105358 gas at 1e9 raw units of a 6-decimal token), never raw units
    assert "105,358,000 USDC" in refund["display"] and "raw units" not in refund["display"]
    assert refund_of().as_json()["refund"] is None  # no gasPrice, no refund


def test_native_refund_display_in_coin():
    refund = refund_of(safeTxGas="0", baseGas="0", gasPrice=str(GWEI)).refund
    assert "0.000054358 ETH" in refund.display and refund.receiver_is_executor  # chain 1's coin, by name
    assert any("safeTxGas is 0" in n for n in refund.notes)


def test_zero_token_means_native():
    refund = refund_of(safeTxGas="1", gasPrice="1", gasToken=ZERO).refund
    assert refund.native and refund.decimals == 18
