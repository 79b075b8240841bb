"""Batch nodes are judged themselves (target, value, operation), and gas refunds against [refund]."""

import pytest

from decoders.formats import parse_json_document
from decoders.addressbook import AddressBook, Entry
from decoders.verify import VerifyOptions, verify_payload
from policies.errors import PolicyError
from policies.load import loaded_from_bytes
from policies.result import judged_verdict
from tests.policies.helpers import OPS, PAYROLL, SAFE, STRANGER, USDC, calldata, decide, policy_text, report_for
from tests.policies.make_examples import MULTISEND_CALL_ONLY_141, multisend, payload

MULTISEND_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"  # safe-deployments v1.4.1/multi_send.json, canonical
GWEI = 10**9
PAY_OPS = '[[rules]]\nid = "pay-ops"\neffect = "allow"\ncall = { to = "@ops", value = { lte = "1 ether" } }\n'


def batch_to(to: str, operation: int, value: int = 0, entries=((0, OPS, 1, b""),)):
    return report_for(to, multisend(list(entries)), value=value, operation=operation)


def calls_of(result) -> dict[str, str]:
    return {c.path: c.outcome for c in result.calls}


def test_own_batch_passes_structurally():
    result = decide(policy_text(PAY_OPS), batch_to(MULTISEND_CALL_ONLY_141, 1))
    assert calls_of(result) == {"0": "allow", "0.0": "allow"} and result.outcome == "allow"


@pytest.mark.parametrize("to,operation,value,why", [
    (MULTISEND_CALL_ONLY_141, 0, 0, "plain CALL"),
    (MULTISEND_CALL_ONLY_141, 1, 5, "moves native coin"),
    (STRANGER, 0, 0, "not a known MultiSend"),
])
def test_other_batch_nodes_are_denied(to, operation, value, why):
    result = decide(policy_text(PAY_OPS), batch_to(to, operation, value))
    decision = result.decision("0")
    assert decision.outcome == "deny" and why in decision.message


def test_a_rule_naming_the_exact_call_allows_it():
    explicit = ('[[rules]]\nid = "direct-batch"\neffect = "allow"\n'
                f'call = {{ to = "{MULTISEND_CALL_ONLY_141}", function = "multiSend(bytes transactions)" }}\n')
    result = decide(policy_text(PAY_OPS, explicit), batch_to(MULTISEND_CALL_ONLY_141, 0))
    assert result.decision("0").outcome == "allow" and result.decision("0").matched_rules == ("direct-batch",)
    wildcard = '[[rules]]\nid = "any"\neffect = "allow"\ncall = { to = "*", function = "*" }\n'
    assert decide(policy_text(PAY_OPS, wildcard), batch_to(MULTISEND_CALL_ONLY_141, 0)).decision("0").outcome == "deny"


def test_ambiguous_batch_is_denied_whatever_the_rules():
    # one entry plus 10 trailing bytes, ABI-encoded canonically (offset, length, bytes padded to 32)
    packed = bytes([0]) + bytes.fromhex(OPS[2:]) + (1).to_bytes(32, "big") + bytes(32) + b"\x01" * 10
    data = (multisend([])[:4] + (32).to_bytes(32, "big") + len(packed).to_bytes(32, "big") + packed
            + bytes(-len(packed) % 32))
    explicit = ('[[rules]]\nid = "direct-batch"\neffect = "allow"\n'
                f'call = {{ to = "{MULTISEND_CALL_ONLY_141}", function = "multiSend(bytes transactions)", '
                'operation = "delegatecall" }\n')
    result = decide(policy_text(PAY_OPS, explicit), report_for(MULTISEND_CALL_ONLY_141, data, operation=1))
    assert result.decision("0").outcome == "deny" and "differently" in result.decision("0").message


def test_plain_multisend_delegatecall_needs_trust():
    result = decide(policy_text(PAY_OPS), batch_to(MULTISEND_141, 1))
    assert result.decision("0").outcome == "deny" and "trusted" in result.decision("0").message


# ---- gas refunds ------------------------------------------------------------------------------

def refund_report(gas_price: int, token: str = "0x" + "00" * 20, receiver: str = "0x" + "00" * 20,
                  safe_tx_gas: int = 60_000, base_gas: int = 20_000):
    document = payload(SAFE, OPS, b"", 1)
    document.update(gasPrice=str(gas_price), gasToken=token, refundReceiver=receiver, safeTxGas=str(safe_tx_gas),
                    baseGas=str(base_gas))
    # The policy's [addresses] name ops, as a review's address book does (app.service.address_book_for):
    # without a name, ops would be an unknown counterparty (COUNTERPARTY_UNKNOWN, which no policy waives here).
    book = AddressBook()
    book.add(Entry(1, OPS, "ops"))
    return verify_payload(parse_json_document(document, "test"), VerifyOptions(address_book=book))


NATIVE = '[refund]\ntokens = [{ token = "native", max_total = "0.01 ether", max_gas_price = "50 gwei" }]\n'


def test_no_refund_table_denies_any_refund():
    result = decide(policy_text(PAY_OPS), refund_report(GWEI))
    assert result.refund.outcome == "deny" and "no [refund]" in result.refund.message
    assert result.outcome == "deny"
    assert decide(policy_text(PAY_OPS), refund_report(0)).refund is None


@pytest.mark.parametrize("gas_price,receiver,safe_tx_gas,expected", [
    (GWEI, None, 60_000, "allow"),
    (51 * GWEI, None, 60_000, "deny"),  # above max_gas_price
    (40 * GWEI, None, 250_000, "deny"),  # (250,000 + 20,000) * 40 gwei alone exceeds 0.01 ether
    (GWEI, STRANGER, 60_000, "deny"),  # a fixed receiver the table does not list
])
def test_native_refund_limits(gas_price, receiver, safe_tx_gas, expected):
    report = refund_report(gas_price, receiver=receiver or "0x" + "00" * 20, safe_tx_gas=safe_tx_gas)
    result = decide(policy_text(PAY_OPS, NATIVE), report)
    assert result.refund.outcome == expected
    if expected == "allow":  # the signed policy bounds it: GAS_REFUND is waived
        assert ("0", "GAS_REFUND") in result.waivers and judged_verdict(report.findings, result) == "ok"  # the warn finding is waived
    else:
        assert judged_verdict(report.findings, result) == "block"


def test_token_refund_in_book_units_and_fixed_receiver():
    table = ('[refund]\nreceivers = ["@payroll"]\n'
             'tokens = [{ token = "@USDC", max_total = "5 USDC" }]\n')
    ok = decide(policy_text(PAY_OPS, table), refund_report(10, token=USDC, receiver=PAYROLL))
    assert ok.refund.outcome == "allow" and "USDC" in ok.refund.message
    too_much = decide(policy_text(PAY_OPS, table), refund_report(100, token=USDC, receiver=PAYROLL))
    assert too_much.refund.outcome == "deny" and "5 USDC" in too_much.refund.message
    executor = decide(policy_text(PAY_OPS, table), refund_report(10, token=USDC))
    assert executor.refund.outcome == "deny" and "$executor" in executor.refund.message
    native = decide(policy_text(PAY_OPS, table), refund_report(10))
    assert native.refund.outcome == "deny" and "does not list this gas token" in native.refund.message


def test_refund_json_and_summary():
    result = decide(policy_text(PAY_OPS), refund_report(GWEI))
    assert result.as_json()["refund"]["outcome"] == "deny"
    assert any(line.startswith("Policy") and "gas refund denied" in line for line in result.summary_lines())


@pytest.mark.parametrize("table,words", [
    ('[refund]\ntokens = []\n', "empty token list"),
    ('[refund]\ntokens = [{ token = "native" }]\n', "max_total"),
    ('[refund]\ntokens = [{ token = "native", max_total = "5 USDC" }]\n', "wei, gwei or ether"),
    ('[refund]\ntokens = [{ token = "@USDC", max_total = "1 ether" }]\n', "this token's unit is USDC"),
    ('[refund]\ntokens = [{ token = "native", max_total = "1 ether" }, { token = "native", max_total = "2 ether" }]\n',
     "listed twice"),
    ('[refund]\ntokens = [{ token = "native", max_total = "1 ether", cap = 1 }]\n', "unknown key 'cap'"),
    ('[refund]\nreceivers = []\ntokens = [{ token = "native", max_total = "1 ether" }]\n', "empty receiver list"),
    ('[refund]\nreceivers = ["$relayer"]\ntokens = [{ token = "native", max_total = "1 ether" }]\n', "unknown variable"),
])
def test_refund_schema_errors(table, words):
    with pytest.raises(PolicyError) as err:
        loaded_from_bytes(policy_text(table).encode(), "test.toml", None)
    assert words in err.value.describe() and "refund" in err.value.describe()


def test_batch_ambiguous_can_never_be_waived():
    waiver = ('[[allow_dangerous]]\nfinding = "BATCH_AMBIGUOUS"\nreason = "we know what we are doing"\n'
              f'call = {{ to = "{MULTISEND_CALL_ONLY_141}", function = "multiSend(bytes transactions)" }}\n')
    with pytest.raises(PolicyError) as err:
        loaded_from_bytes(policy_text(waiver).encode(), "test.toml", None)
    assert "never be waived" in err.value.describe()


def test_transfer_helper_sanity():
    assert calldata("transfer(address,uint256)", PAYROLL, 1)[:4].hex() == "a9059cbb"
