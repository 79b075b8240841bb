"""Wrapped calls under the EVM check: the real Safe bytecode runs, wrappers whose code is external
are leaves, and the children Coldsight decodes from their arguments create no EXECUTION_MISMATCH."""

import pytest

from tests.core.peers import calldata, hex0x, multisend, packed_entry

from .test_wrappers import (ATTACKER, CHILD_SAFE, CREATE_CALL_141, MAX_UINT256, MSCO_141, MULTICALL3, OTHER,
                            SIGN_MESSAGE_LIB_141, USDC, aggregate3, approve, exec_transaction, multicall, review)

CASES = [
    ("multicall on a token", dict(to=USDC, data=hex0x(multicall(approve(ATTACKER, MAX_UINT256))))),
    ("Multicall3 CALLed", dict(to=MULTICALL3, data=hex0x(aggregate3((USDC, approve(OTHER, 1)), (OTHER, b""))))),
    ("Multicall3 delegatecalled", dict(to=MULTICALL3, operation=1, data=hex0x(aggregate3((USDC, approve(OTHER, 1)))))),
    ("nested Safe with a batch", dict(to=CHILD_SAFE, data=hex0x(exec_transaction(MSCO_141, multisend(
        packed_entry(0, OTHER, 1, b"") + packed_entry(0, USDC, 0, approve(ATTACKER, 5))), operation=1)))),
    ("batch of wrappers", dict(to=MSCO_141, operation=1, data=hex0x(multisend(
        packed_entry(0, USDC, 0, multicall(approve(OTHER, 2))) + packed_entry(0, CHILD_SAFE, 0, exec_transaction(OTHER, b"")))))),
    ("SignMessageLib", dict(to=SIGN_MESSAGE_LIB_141, operation=1, data=hex0x(calldata("signMessage(bytes)", ["bytes"], [b"hi"])))),
]


@pytest.mark.parametrize("fields", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_decoded_children_do_not_disagree_with_the_real_bytecode(fields):
    report = review(execute=True, **fields)
    assert report.execution is not None and report.execution.versions == ["1.4.1"]
    assert "EXECUTION_MISMATCH" not in {f.code for f in report.findings}, report.findings
    assert report.verdict != "ok"


def test_create_call_delegatecall_is_a_warning_under_the_evm_check():
    data = calldata("performCreate(uint256,bytes)", ["uint256", "bytes"], [0, bytes.fromhex("600a600c600039600a6000f3602a60805260206080f3")])
    report = review(execute=True, to=CREATE_CALL_141, operation=1, data=hex0x(data))
    assert {f.code for f in report.findings} == {"CONTRACT_CREATION"} and report.verdict == "warn"
