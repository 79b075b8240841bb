"""The EVM check at verification time: executed calls vs the static call tree, storage writes in words.

Two halves: the comparison logic over hand-built executions (every kind of difference must be a
critical EXECUTION_MISMATCH), and the real engine over real transactions (what the bytecode does
for a self-call that replaces the implementation is reported even when the static findings are
withheld, i.e. when the static decoder "missed" it).
"""

import pytest

from decoders.evm.model import CALL, DELEGATECALL, ExecutedCall, Execution, StorageWrite
from decoders.execution_check import _compare, candidate_versions, check_execution, released_versions
from decoders.findings import Finding
from decoders.safetx import Context, HashFamily, SafeVersion
from tests.builders import (
    MULTISEND_CALL_ONLY_130,
    address,
    calldata,
    erc20_transfer,
    multisend,
    packed_entry,
    service_record,
)
from tests.core.helpers import verify_record

SAFE = address("safe")
ALICE = address("alice")
BOB = address("bob")
TOKEN = address("token")


def _report(to: str, data: bytes = b"", operation: int = 0, value: int = 0, version: str = "1.3.0"):
    return verify_record(service_record(SAFE, to, data=data, operation=operation, value=value, nonce=3,
                                        safe_version=version))


def _leaf(to: str, data: bytes, operation: int = CALL, value: int = 0, purpose: str = "inner") -> ExecutedCall:
    return ExecutedCall(operation=operation, sender=SAFE, to=to, value=value, data=data, executed=False,
                        reverted=False, purpose=purpose)


def _execution(calls, writes=()) -> Execution:
    return Execution(calls=list(calls), storage_writes=list(writes), success=True, reverted=False, revert_reason=None,
                     engine="test", version="1.3.0", gas_used=0, notes=[])


def _nonce_write() -> StorageWrite:
    return StorageWrite(slot=5, before=3, after=4, name="nonce")


def _mismatches(report, execution, static_findings=None) -> list[Finding]:
    found = _compare(execution, report.root, report.context,
                     report.findings if static_findings is None else static_findings, "1.3.0", False)
    return found


def _batch_report():
    entries = packed_entry(0, TOKEN, 0, erc20_transfer(ALICE, 5)) + packed_entry(0, TOKEN, 0, erc20_transfer(BOB, 7))
    return _report(MULTISEND_CALL_ONLY_130, multisend(entries), operation=1), entries


def _batch_execution(children):
    _, entries = _batch_report()
    top = ExecutedCall(operation=DELEGATECALL, sender=SAFE, to=MULTISEND_CALL_ONLY_130, value=0,
                       data=multisend(entries), executed=True, reverted=False, purpose="transaction",
                       children=list(children))
    return _execution([top], [_nonce_write()])


def test_identical_execution_raises_nothing():
    report, _ = _batch_report()
    execution = _batch_execution([_leaf(TOKEN, erc20_transfer(ALICE, 5)), _leaf(TOKEN, erc20_transfer(BOB, 7))])
    assert _mismatches(report, execution) == []


@pytest.mark.parametrize("changed", [
    _leaf(address("attacker"), erc20_transfer(BOB, 7)),                 # another target
    _leaf(TOKEN, erc20_transfer(address("attacker"), 7)),               # other calldata
    _leaf(TOKEN, erc20_transfer(BOB, 7), value=1),                      # value
    _leaf(TOKEN, erc20_transfer(BOB, 7), operation=DELEGATECALL),       # delegatecall instead of call
], ids=["target", "data", "value", "operation"])
def test_any_difference_in_an_entry_is_a_critical_mismatch_at_its_path(changed):
    report, _ = _batch_report()
    execution = _batch_execution([_leaf(TOKEN, erc20_transfer(ALICE, 5)), changed])
    found = _mismatches(report, execution)
    assert [(f.code, f.severity, f.path) for f in found] == [("EXECUTION_MISMATCH", "critical", "0.1")]


def test_an_extra_executed_entry_is_a_mismatch():
    report, _ = _batch_report()
    execution = _batch_execution([_leaf(TOKEN, erc20_transfer(ALICE, 5)), _leaf(TOKEN, erc20_transfer(BOB, 7)),
                                  _leaf(address("attacker"), b"", value=10**18)])
    found = _mismatches(report, execution)
    assert [(f.code, f.path) for f in found] == [("EXECUTION_MISMATCH", "0")]
    assert "3 batch entries" in found[0].message and "shows 2" in found[0].message


def test_a_leaf_that_the_bytecode_executed_with_hidden_inner_calls_is_a_mismatch():
    report = _report(SAFE, calldata("changeThreshold(uint256)", ["uint256"], [2]))
    top = ExecutedCall(operation=CALL, sender=SAFE, to=SAFE, value=0, data=report.root.data, executed=True,
                       reverted=False, purpose="transaction", children=[_leaf(address("attacker"), b"\x01")])
    found = _mismatches(report, _execution([top]))
    assert [f.code for f in found] == ["EXECUTION_MISMATCH"]


def test_an_unexpected_extra_top_level_call_is_a_mismatch():
    report = _report(TOKEN, erc20_transfer(ALICE, 1))
    execution = _execution([_leaf(TOKEN, erc20_transfer(ALICE, 1), purpose="transaction"),
                            _leaf(address("guard"), b"\x02", purpose="guard")])
    assert [f.code for f in _mismatches(report, execution)] == ["EXECUTION_MISMATCH"]


def test_unexplained_critical_storage_write_is_reported_in_plain_words():
    report = _report(TOKEN, erc20_transfer(ALICE, 1))
    attacker_word = int(address("attacker"), 16)
    execution = _execution([_leaf(TOKEN, erc20_transfer(ALICE, 1), purpose="transaction")],
                           [_nonce_write(), StorageWrite(slot=0, before=1, after=attacker_word, name="singleton")])
    found = _mismatches(report, execution)
    assert sorted(f.code for f in found) == ["EXECUTION_MISMATCH", "MASTERCOPY_CHANGE"]
    assert all(f.severity == "critical" for f in found)
    assert any("implementation" in f.message for f in found)


def test_a_write_the_static_findings_already_explain_adds_nothing():
    report = _report(TOKEN, erc20_transfer(ALICE, 1))
    execution = _execution([_leaf(TOKEN, erc20_transfer(ALICE, 1), purpose="transaction")],
                           [StorageWrite(slot=4, before=2, after=1, name="threshold")])
    explained = [Finding("THRESHOLD_CHANGE", "critical", "0", "Lowers the threshold to 1")]
    assert _mismatches(report, execution, explained) == []
    assert [f.code for f in _mismatches(report, execution, [])] == ["THRESHOLD_CHANGE", "EXECUTION_MISMATCH"]


def test_a_write_to_an_unknown_slot_is_a_mismatch():
    report = _report(TOKEN, erc20_transfer(ALICE, 1))
    execution = _execution([_leaf(TOKEN, erc20_transfer(ALICE, 1), purpose="transaction")],
                           [StorageWrite(slot=12345, before=0, after=1, name=None)])
    found = _mismatches(report, execution)
    assert [f.code for f in found] == ["EXECUTION_MISMATCH"] and "slot 0x3039" in found[0].message


def test_only_the_nonce_changing_is_silent():
    report = _report(TOKEN, erc20_transfer(ALICE, 1))
    execution = _execution([_leaf(TOKEN, erc20_transfer(ALICE, 1), purpose="transaction")], [_nonce_write()])
    assert _mismatches(report, execution) == []


def test_candidate_versions_cover_the_whole_hash_family_when_only_the_family_is_known():
    released = ("1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.3.0+L2", "1.4.1", "1.5.0+L2")
    family_only = Context(chain_id=1, safe=SAFE, version=SafeVersion(family=HashFamily.BASEGAS_CHAIN))
    assert candidate_versions(family_only, released) == ["1.3.0", "1.3.0+L2", "1.4.1", "1.5.0+L2"]
    old_family = Context(chain_id=None, safe=SAFE, version=SafeVersion(family=HashFamily.BASEGAS_NO_CHAIN))
    assert candidate_versions(old_family, released) == ["1.0.0", "1.1.1", "1.2.0"]
    exact = Context(chain_id=1, safe=SAFE, version=SafeVersion.parse("1.1.1"))
    assert candidate_versions(exact, released) == ["1.1.1"]


def test_released_versions_are_the_singletons_safe_deployments_lists():
    # safe-deployments 1.37.63 singletons: GnosisSafe 1.0.0-1.3.0, GnosisSafeL2 1.3.0, Safe/SafeL2 1.4.1, 1.5.0.
    assert released_versions() == ("1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.3.0+L2", "1.4.1", "1.4.1+L2",
                                   "1.5.0", "1.5.0+L2")


def test_a_family_with_an_unbundled_version_blocks_and_names_it():
    typed_family = Context(chain_id=None, safe=SAFE, version=SafeVersion(family=HashFamily.BASEGAS_NO_CHAIN))
    report = _report(TOKEN, erc20_transfer(ALICE, 1), version="1.1.1")
    check = check_execution(report.payload.tx, typed_family, report.root, report.findings)
    unchecked = [f for f in check.findings if f.code == "EXECUTION_UNCHECKED"]
    # Safe 1.1.1 and 1.2.0 bytecode are bundled; no artifact hashes to the deployed 1.0.0 code.
    assert check.versions == ["1.1.1", "1.2.0"]
    assert len(unchecked) == 1 and "Safe 1.0.0 was not executed" in unchecked[0].message
    assert unchecked[0].severity == "critical" and "--safe-version" in unchecked[0].message
    assert check.status == "partial"


# --- the real engine --------------------------------------------------------------------------------

def test_real_bytecode_confirms_a_plain_token_transfer():
    report = _report(TOKEN, erc20_transfer(ALICE, 10**6))
    check = check_execution(report.payload.tx, report.context, report.root, report.findings)
    assert check.status == "confirmed" and check.findings == []
    assert check.calls[0]["to"] == TOKEN and check.calls[0]["data"] == "0x" + erc20_transfer(ALICE, 10**6).hex()


def test_real_bytecode_reports_an_implementation_change_the_static_findings_missed():
    new_singleton = address("evil-singleton")
    # changeMasterCopy exists up to Safe 1.2.0 (MasterCopy.sol); 1.1.1 bytecode is bundled.
    report = _report(SAFE, calldata("changeMasterCopy(address)", ["address"], [new_singleton]), version="1.1.1")
    check = check_execution(report.payload.tx, report.context, report.root, static_findings=[])
    codes = sorted(f.code for f in check.findings)
    assert codes == ["EXECUTION_MISMATCH", "MASTERCOPY_CHANGE"]
    written = {w["name"]: w["after"] for w in check.storage_writes}
    assert int(written["singleton"], 16) == int(new_singleton, 16)


def test_no_bytecode_for_the_version_blocks_never_silence():
    report = verify_record(service_record(SAFE, TOKEN, data=erc20_transfer(ALICE, 1), safe_version="0.1.0"))
    check = check_execution(report.payload.tx, report.context, report.root, report.findings)
    assert check.status == "unavailable"
    assert [(f.code, f.severity) for f in check.findings] == [("EXECUTION_UNCHECKED", "critical")]
    assert report.verdict == "block" and check.summary.startswith("NOT checked by executing the Safe's code")


def test_a_write_is_not_explained_by_a_function_decoded_from_a_wrappers_arguments():
    # multicall(bytes[]) on a token, wrapping approveHash: the decoded approveHash is "claimed" (run, if at all,
    # by the token's code), so it cannot explain a write to the Safe's own approvedHashes.
    inner = calldata("approveHash(bytes32)", ["bytes32"], [b"\x11" * 32])
    report = _report(TOKEN, calldata("multicall(bytes[])", ["bytes[]"], [[inner]]))
    assert any(node.claimed and node.function is not None and node.function.name == "approveHash"
               for node in report.root.walk()), "the wrapper was not unwrapped: the test no longer tests anything"
    execution = _execution([_leaf(TOKEN, report.root.data, purpose="transaction")],
                           [StorageWrite(slot=77, before=0, after=1, name=f"approvedHashes[{SAFE}][0x{'11' * 32}]")])
    assert [f.code for f in _mismatches(report, execution)] == ["EXECUTION_MISMATCH"]


def test_create2_by_the_create_call_library_is_confirmed_by_the_real_bytecode():
    # CreateCall 1.4.1 (canonical, safe-deployments v1.4.1 create_call.json); init code returns 0x2a.
    create_call = "0x9b35Af71d77eaf8d7e40252370304687390A1A52"
    init_code = bytes.fromhex("600a600c600039600a6000f3602a60805260206080f3")
    data = calldata("performCreate2(uint256,bytes,bytes32)", ["uint256", "bytes", "bytes32"], [0, init_code, b"\x07" * 32])
    report = _report(create_call, data, operation=1, version="1.4.1")
    assert report.execution.status == "confirmed"
    assert [f.code for f in report.findings if f.severity != "info"] == ["CONTRACT_CREATION"]
    [created] = report.execution.calls[0]["calls"]
    assert (created["operation"], created["data"]) == ("CREATE2", "0x" + init_code.hex())


def test_entries_after_a_call_that_fails_when_run_are_not_covered_and_block():
    report, _ = _batch_report()
    failed = _leaf(TOKEN, erc20_transfer(ALICE, 5))
    failed.reverted = True
    execution = _batch_execution([failed])
    execution.calls[0].reverted = True
    found = _mismatches(report, execution)
    assert [(f.code, f.severity, f.path) for f in found] == [("EXECUTION_UNCHECKED", "critical", "0.1")]
    assert "0.0 fails when run" in found[0].message
    # …and a batch that stops early with no failing call is not covered either.
    execution = _batch_execution([_leaf(TOKEN, erc20_transfer(ALICE, 5))])
    execution.calls[0].reverted = True
    assert [(f.code, f.path) for f in _mismatches(report, execution)] == [("EXECUTION_UNCHECKED", "0.1")]
    # A batch that runs fewer entries and does not revert is a plain mismatch.
    execution = _batch_execution([_leaf(TOKEN, erc20_transfer(ALICE, 5))])
    assert [f.code for f in _mismatches(report, execution)] == ["EXECUTION_MISMATCH"]


def test_a_finding_on_a_wrappers_decoded_argument_does_not_explain_a_write_to_the_safe():
    # multicall on a token wrapping enableModule: its MODULE_CHANGE finding is about a call the token's code
    # would make, if any; a modules write by the Safe itself stays unexplained.
    inner = calldata("enableModule(address)", ["address"], [address("module")])
    report = _report(TOKEN, calldata("multicall(bytes[])", ["bytes[]"], [[inner]]))
    assert any(f.code == "MODULE_CHANGE" and f.path != "0" for f in report.findings), "precondition: claimed finding"
    execution = _execution([_leaf(TOKEN, report.root.data, purpose="transaction")],
                           [StorageWrite(slot=99, before=0, after=1, name=f"modules[{address('module')}]")])
    assert sorted(f.code for f in _mismatches(report, execution)) == ["EXECUTION_MISMATCH", "MODULE_CHANGE"]


# --- coverage: whatever stops the run early blocks, and cannot be waived -------------------------------

CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 multi_send_call_only
HANDLER_130 = "0xf48f2B2d2a534e402487b3ee7C18c33Aec0Fe5e4"  # safe-deployments v1.3.0 compatibility_fallback_handler
ZKSYNC_CALL_ONLY_130 = "0xf220D3b4DFb23C4ade8C88E526C1353AbAcbC38F"  # v1.3.0 multi_send_call_only, zksync type
SENTINEL = "0x0000000000000000000000000000000000000001"


def _batch(library: str, entries: list[tuple[int, str, int, bytes]], version: str = "1.3.0", chain_id: int = 1, **extra):
    blob = b"".join(packed_entry(*entry) for entry in entries)
    return verify_record(service_record(SAFE, library, data=multisend(blob), operation=1, nonce=3,
                                        safe_version=version, chain_id=chain_id, **extra))


def _codes(report, code: str) -> list:
    return [f for f in report.findings if f.code == code]


def test_a_revert_before_the_transactions_call_is_not_confirmed_and_blocks():
    report = verify_record(service_record(SAFE, TOKEN, data=erc20_transfer(ALICE, 1), nonce=3, safe_version="1.4.1",
                                          safeTxGas=str(10**9)))
    assert report.execution.status == "partial" and report.execution.covered == 0
    assert report.verdict == "block"
    [unchecked] = _codes(report, "EXECUTION_UNCHECKED")
    assert unchecked.severity == "critical" and "GS010" in unchecked.message
    assert report.execution.uncovered[0].path == "0"


def test_a_self_call_that_reverts_mid_batch_leaves_the_rest_uncovered_and_blocks():
    # changeThreshold(0) reverts (GS202) whatever the owners: the library reverts there, later entries never run.
    refused = calldata("changeThreshold(uint256)", ["uint256"], [0])
    report = _batch(CALL_ONLY_141, [(0, TOKEN, 0, erc20_transfer(ALICE, 5)), (0, SAFE, 0, refused),
                                    (0, TOKEN, 0, erc20_transfer(BOB, 7))], version="1.4.1")
    check = report.execution
    assert check.status == "partial" and report.verdict == "block"
    paths = {gap.path for gap in check.uncovered}
    assert {"0.1", "0.2"} <= paths
    assert check.covered == 3 and check.shown == 4  # the batch, 0.0, and the reverting self-call were run
    assert "Only partly checked" in check.summary and "3 of 4" in check.summary


def test_a_library_whose_code_is_not_bundled_leaves_its_calls_uncovered():
    report = _batch(ZKSYNC_CALL_ONLY_130, [(0, TOKEN, 0, erc20_transfer(ALICE, 5))], chain_id=324)
    assert [node.path for node in report.root.walk()] == ["0", "0.0"], "the static tree no longer unwraps it"
    assert report.execution.status == "partial" and report.verdict == "block"
    assert any("not bundled" in gap.reason for gap in report.execution.uncovered)


def test_a_harmless_call_to_the_fallback_handler_is_compared_like_any_other():
    data = calldata("isValidSignature(bytes32,bytes)", ["bytes32", "bytes"], [b"\x01" * 32, b""])
    report = _batch(MULTISEND_CALL_ONLY_130, [(0, HANDLER_130, 0, data), (0, TOKEN, 0, erc20_transfer(ALICE, 5))])
    assert report.execution.status == "confirmed", report.execution.uncovered
    assert not [f for f in report.findings if f.code.startswith("EXECUTION_")]
    assert report.execution.summary == "Checked by executing the Safe's code (Safe 1.3.0): all 3 calls match"


def test_a_self_call_forwarded_to_the_fallback_handler_is_compared_by_address_and_calldata():
    report = _report(SAFE, calldata("someHandlerFunction(uint256)", ["uint256"], [7]))
    assert report.execution.status == "confirmed"
    [forwarded] = report.execution.calls[0]["calls"]
    assert forwarded["to"] == HANDLER_130 and forwarded["data"] == "0x" + (report.root.data + bytes.fromhex(SAFE[2:])).hex()


def test_swap_owner_gets_the_previous_owner_it_names_and_the_signer_is_told():
    previous, old, new = address("owner-a"), address("owner-b"), address("owner-c")
    swap = calldata("swapOwner(address,address,address)", ["address", "address", "address"], [previous, old, new])
    report = _batch(MULTISEND_CALL_ONLY_130, [(0, SAFE, 0, swap), (0, TOKEN, 0, erc20_transfer(ALICE, 5))])
    check = report.execution
    assert check.status == "confirmed" and not _codes(report, "EXECUTION_UNCHECKED")
    assert any(old in line and f"right after {previous}" in line for line in check.assumed)
    written = {w["name"] for w in check.storage_writes}
    assert f"owners[{new}]" in written and f"owners[{previous}]" in written


@pytest.mark.parametrize("signature,types,values,words", [
    ("removeOwner(address,address,uint256)", ["address", "address", "uint256"], [SENTINEL, address("owner-b"), 2],
     "first in the list of owners"),
    ("disableModule(address,address)", ["address", "address"], [address("module-a"), address("module-b")],
     "enabled module"),
])
def test_other_management_calls_get_the_state_they_need(signature, types, values, words):
    report = _report(SAFE, calldata(signature, types, values))
    assert report.execution.status == "confirmed", report.execution.uncovered
    assert any(words in line for line in report.execution.assumed)


def test_a_policy_can_never_waive_an_uncovered_run():
    from policies.errors import PolicyError
    from tests.policies.helpers import decide, loaded_from_bytes, policy_text

    waiver = ('[[allow_dangerous]]\nfinding = "EXECUTION_UNCHECKED"\nreason = "we know what we are doing"\n'
              f'call = {{ to = "{TOKEN}", function = "transfer(address to,uint256 amount)" }}\n')
    with pytest.raises(PolicyError) as err:
        loaded_from_bytes(policy_text(waiver).encode(), "test.toml", None)
    assert "never be waived" in err.value.describe()

    # Even a policy object that claims to waive it (a bug, a forged result) does not count.
    report = verify_record(service_record(SAFE, TOKEN, data=erc20_transfer(ALICE, 1), nonce=3, safe_version="1.4.1",
                                          safeTxGas=str(10**9)))
    result = decide(policy_text(), report)
    [unchecked] = _codes(report, "EXECUTION_UNCHECKED")
    result.waivers[(unchecked.path, unchecked.code)] = "forged"
    assert result.waiver_for(unchecked) == "forged"  # the policy object would waive it…
    from app.service import Review
    from policies.result import judged_verdict

    review = Review(report=report, policy=result)
    assert review.waiver_for(unchecked) is None and review.verdict == "block"  # …the review does not let it
    assert judged_verdict(report.findings, result) == "block"


def test_set_guard_from_1_4_gets_its_erc165_answer_assumed_and_is_covered():
    # GuardManager.setGuard since 1.4.0 asks the guard supportsInterface(type(Guard).interfaceId).
    guard = address("guard")
    report = _report(SAFE, calldata("setGuard(address)", ["address"], [guard]), version="1.4.1")
    check = report.execution
    assert check.status == "confirmed", check.uncovered
    assert any(guard in line and "ERC-165" in line for line in check.assumed)
    assert any(w["name"] == "guard" and int(w["after"], 16) == int(guard, 16) for w in check.storage_writes)


def test_a_revert_the_bytes_themselves_cause_is_covered_and_said():
    # MultiSendCallOnly reverts on a delegatecall entry whatever the Safe's state: the static reading shows the
    # batch up to there, the run matches it, and nothing of the transaction takes effect ("provably inert").
    report = _batch(CALL_ONLY_141, [(0, TOKEN, 0, erc20_transfer(ALICE, 5)), (1, address("attacker"), 0, b"")],
                    version="1.4.1")
    check = report.execution
    assert check.status == "confirmed" and not _codes(report, "EXECUTION_UNCHECKED")
    assert check.summary == ("Checked by executing the Safe's code (Safe 1.4.1): all 2 calls match; "
                             "it reverts (GS013): executing it fails and changes nothing")
    assert report.verdict == "block"  # BATCH_AMBIGUOUS: the bytes are not a clean batch
