"""Every Safe at every depth: a nested Safe's execTransaction and a module execution get the top
level's refund and handler-routing rules (issue 19).

Calldata is encoded by eth-abi (tests/builders.py); the refund arithmetic expected here is the
Safe contract's (refund = (gasUsed + baseGas) * gasPrice, decoders/refund.py docstring), checked
only as "critical", never against a number the code computes."""

from decoders.verify import VerifyOptions
from tests.builders import ZERO, address, calldata, erc20_transfer, multisend, packed_entry, service_record
from tests.core.helpers import verify_record

SAFE = address("reviewed safe")
NESTED = address("nested safe")
OTHER = address("another safe")
STRANGER = address("stranger")
VERIFIER = address("attacker verifier")
TOKEN = address("some token")
MULTISEND_130 = "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761"  # safe-deployments multi_send.json v1.3.0

EXEC = "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)"
EXEC_TYPES = ["address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address", "bytes"]


def exec_transaction(to, data=b"", *, value=0, operation=0, safe_tx_gas=0, base_gas=0, gas_price=0, gas_token=ZERO,
                     refund_receiver=ZERO) -> bytes:
    return calldata(EXEC, EXEC_TYPES, [to, value, data, operation, safe_tx_gas, base_gas, gas_price, gas_token,
                                       refund_receiver, b"\x01" * 65])


def module_exec(to, data, operation=0) -> bytes:
    return calldata("execTransactionFromModule(address,uint256,bytes,uint8)", ["address", "uint256", "bytes", "uint8"],
                    [to, 0, data, operation])


def set_domain_verifier(verifier=VERIFIER) -> bytes:
    return calldata("setDomainVerifier(bytes32,address)", ["bytes32", "address"], [b"\x42" * 32, verifier])


def set_safe_method() -> bytes:
    method = b"\x00" * 12 + bytes.fromhex(VERIFIER[2:])
    return calldata("setSafeMethod(bytes4,bytes32)", ["bytes4", "bytes32"], [bytes.fromhex("1626ba7e"), method])


def review(to, data, **fields):
    return verify_record(service_record(SAFE, to, data=data, safe_version="1.4.1", **fields), execute=False)


def critical(report, code, path):
    return [f for f in report.findings if f.code == code and f.path == path and f.severity == "critical"]


# -- refunds of nested Safe transactions ------------------------------------------------------------

def test_nested_native_refund_to_a_stranger_blocks():
    # 100 ETH: baseGas 1e9 at 100 gwei... the Safe pays (gasUsed + baseGas) * gasPrice = at least 1e20 wei.
    data = exec_transaction(STRANGER, gas_price=10**11, base_gas=10**9, refund_receiver=STRANGER)
    report = review(NESTED, data)
    assert critical(report, "GAS_REFUND", "0.0"), [f.as_json() for f in report.findings]
    assert report.verdict == "block"


def test_nested_token_refund_to_a_stranger_blocks():
    data = exec_transaction(STRANGER, gas_price=10**10, base_gas=10**9, gas_token=TOKEN, refund_receiver=STRANGER)
    report = review(NESTED, data)
    assert critical(report, "GAS_REFUND", "0.0") and report.verdict == "block"


def test_nested_refund_to_the_executor_above_a_sane_fee_blocks():
    data = exec_transaction(STRANGER, gas_price=10**12, base_gas=10**7)  # 10 ETH to whoever executes
    assert critical(review(NESTED, data), "GAS_REFUND", "0.0")


def test_nested_refund_inside_a_batch_blocks_at_its_depth():
    inner = exec_transaction(STRANGER, gas_price=10**11, base_gas=10**9, refund_receiver=STRANGER)
    entries = packed_entry(0, STRANGER, 0, erc20_transfer(STRANGER, 1)) + packed_entry(0, NESTED, 0, inner)
    report = review(MULTISEND_130, multisend(entries), operation=1)
    assert critical(report, "GAS_REFUND", "0.1.0") and report.verdict == "block"


def test_refund_two_safes_deep_blocks():
    deepest = exec_transaction(STRANGER, gas_price=10**11, base_gas=10**9, refund_receiver=STRANGER)
    report = review(NESTED, exec_transaction(OTHER, deepest))
    assert critical(report, "GAS_REFUND", "0.0.0") and not critical(report, "GAS_REFUND", "0.0")


def test_nested_transaction_without_refund_has_no_refund_finding():
    report = review(NESTED, exec_transaction(STRANGER, value=0))
    assert not [f for f in report.findings if f.code == "GAS_REFUND"]


# -- handler routing for whichever Safe it affects ----------------------------------------------------

def test_nested_safe_swapping_its_domain_verifier_blocks():
    report = review(NESTED, exec_transaction(NESTED, set_domain_verifier()))
    found = critical(report, "FALLBACK_HANDLER_CHANGE", "0.0")
    assert found and NESTED in found[0].message and report.verdict == "block"


def test_nested_safe_routing_is_valid_signature_blocks():
    report = review(NESTED, exec_transaction(NESTED, set_safe_method()))
    assert critical(report, "FALLBACK_HANDLER_CHANGE", "0.0") and report.verdict == "block"


def test_module_call_swapping_another_safes_verifier_blocks():
    report = review(OTHER, module_exec(OTHER, set_domain_verifier()))
    found = critical(report, "FALLBACK_HANDLER_CHANGE", "0.0")
    assert found and OTHER in found[0].message and report.verdict == "block"


def test_verifier_swap_two_levels_down_blocks():
    report = review(NESTED, exec_transaction(OTHER, module_exec(OTHER, set_domain_verifier())))
    assert critical(report, "FALLBACK_HANDLER_CHANGE", "0.0.0") and report.verdict == "block"


def test_this_safes_own_verifier_swap_still_blocks():
    report = review(SAFE, set_domain_verifier())
    found = critical(report, "FALLBACK_HANDLER_CHANGE", "0")
    assert found and "this Safe" in found[0].message


def test_removing_a_verifier_is_a_warning_not_a_block():
    report = review(NESTED, exec_transaction(NESTED, set_domain_verifier(ZERO)))
    assert [f for f in report.findings if f.code == "FALLBACK_HANDLER_CHANGE" and f.severity == "warn"]


def test_nested_delegatecall_blocks():
    report = review(NESTED, exec_transaction(STRANGER, b"\x12\x34\x56\x78", operation=1))
    assert report.verdict == "block"


def test_default_options_run_the_evm_check_and_still_block():
    data = exec_transaction(STRANGER, gas_price=10**11, base_gas=10**9, refund_receiver=STRANGER)
    report = verify_record(service_record(SAFE, NESTED, data=data, safe_version="1.4.1"), **{})
    assert critical(report, "GAS_REFUND", "0.0") and report.verdict == "block"
    assert VerifyOptions().execute


def test_module_call_into_a_nested_execution_with_a_refund_blocks():
    inner = exec_transaction(STRANGER, gas_price=10**11, base_gas=10**9, refund_receiver=STRANGER)
    report = review(OTHER, module_exec(NESTED, inner))
    assert critical(report, "GAS_REFUND", "0.0.0") and report.verdict == "block"


def test_a_policy_allowing_the_top_level_refund_does_not_waive_a_nested_one():
    from decoders.formats import parse_json_document
    from decoders.verify import verify_payload
    from tests.policies.helpers import SAFE as POLICY_SAFE
    from tests.policies.helpers import decide, policy_text
    from tests.policies.make_examples import payload

    table = '[refund]\ntokens = [{ token = "native", max_total = "0.01 ether", max_gas_price = "50 gwei" }]\n'
    nested = exec_transaction(STRANGER, gas_price=10**11, base_gas=10**9, refund_receiver=STRANGER)
    document = payload(POLICY_SAFE, NESTED, nested)
    document.update(gasPrice=str(10**9), safeTxGas="60000", baseGas="20000")
    report = verify_payload(parse_json_document(document, "test"))
    from policies.result import effective_waiver, judged_verdict

    result = decide(policy_text(table), report)
    assert result.refund.outcome == "allow"  # the top-level refund is within [refund] ...
    nested_refunds = [f for f in report.findings if f.code == "GAS_REFUND" and f.severity == "critical"]
    assert nested_refunds and all(effective_waiver(f, result) is None for f in nested_refunds)  # ... the nested one is not
    assert judged_verdict(report.findings, result) == "block"


def test_verifier_set_directly_on_the_handler_contract_names_the_calling_safe():
    extensible = "0x85a8ca358D388530ad0fB95D0cb89Dd44Fc242c3"  # ExtensibleFallbackHandler 1.5.0 (safe-deployments)
    report = review(extensible, set_domain_verifier())
    found = critical(report, "FALLBACK_HANDLER_CHANGE", "0")
    assert found and "this Safe" in found[0].message and report.verdict == "block"


def test_nested_refund_is_an_effect_and_its_receiver_a_counterparty():
    data = exec_transaction(STRANGER, gas_price=10**11, base_gas=10**9, refund_receiver=STRANGER)
    report = review(NESTED, data)
    refunds = [r for r in report.effects.refunds if r.payer == NESTED]
    assert [(r.path, r.receiver) for r in refunds] == [("0.0", STRANGER)]
    party = report.effects.counterparty(STRANGER)
    assert party is not None and "refund" in party.receives and party.judgement == "unknown"
    assert report.as_json()["effects"]["refunds"][0]["payer"] == NESTED
