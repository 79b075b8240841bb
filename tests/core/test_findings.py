"""Findings table: every stable code the issue names, with its severity, path and the verdict.

Each row is a record (calldata built with eth-abi, selectors from eth-utils) and the exact
set of (code, severity, path) Coldsight must report: a missing or an extra finding fails."""

import pytest

from decoders.findings import Finding, verdict_of

from .helpers import verify_record
from .peers import (MAX_UINT256, OWNERS, ZERO, calldata, erc20_transfer, hex0x, multisend, packed_entry,
                    peer_hashes, service_record)

SAFE = OWNERS[4]
OTHER = OWNERS[0]
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"  # Bybit attacker contract (public incident reports)
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # Circle's USDC on Ethereum
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"  # Uniswap Permit2 (Uniswap/permit2 README)
# @safe-global/safe-deployments, src/assets/v1.4.1/{multi_send_call_only,multi_send,sign_message_lib,safe_migration}.json
MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
MULTISEND_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"
SIGN_MESSAGE_LIB_141 = "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9"
SAFE_MIGRATION_141 = "0x526643F69b81B008F46d95CD5ced5eC0edFFDaC6"
ADMIN_ROLE = bytes(32)
MINTER_ROLE = bytes.fromhex("9f2df0fed2c77648de5860a4cc508cd0818c85b8b8a1ab4ceeef8d981c8956a6")  # keccak("MINTER_ROLE")


def call(signature: str, types: list[str], values: list) -> str:
    return hex0x(calldata(signature, types, values))


def self_call(data: str, **extra) -> dict:
    return dict(to=SAFE, data=data, **extra)


def batch(*entries) -> dict:
    return dict(to=MSCO_141, operation=1, safeVersion="1.4.1", data=hex0x(multisend(b"".join(packed_entry(*e) for e in entries))))


C, W, I = "critical", "warn", "info"

# (id, record fields, {(code, severity, path)}, verdict)
TABLE = [
    ("delegatecall untrusted", dict(to=ATTACKER, operation=1, data=hex0x(erc20_transfer(OTHER, 0))),
     {("DELEGATECALL_UNTRUSTED", C, "0")}, "block"),
    ("delegatecall untrusted, unknown selector", dict(to=ATTACKER, operation=1, data="0x12345678"),
     {("DELEGATECALL_UNTRUSTED", C, "0"), ("UNKNOWN_SELECTOR", C, "0")}, "block"),
    ("delegatecall to MultiSendCallOnly 1.4.1 is trusted", batch((0, OTHER, 0, b"")), set(), "ok"),
    # a trusted library, but the Safe signs a message (EIP-1271): issue 10 makes that a warning
    ("delegatecall to SignMessageLib 1.4.1 is trusted, the signature is a warning",
     dict(to=SIGN_MESSAGE_LIB_141, operation=1, safeVersion="1.4.1", data=call("signMessage(bytes)", ["bytes"], [b"hi"])),
     {("OPAQUE_APPROVAL", W, "0")}, "warn"),
    ("delegatecall nested in a batch", dict(batch((1, MSCO_141, 0, multisend(packed_entry(0, OTHER, 0, b"")))),
                                            to=MULTISEND_141),
     {("MULTISEND_DELEGATECALL_CAPABLE", W, "0"), ("DELEGATECALL_NESTED", C, "0.0")}, "block"),
    # MultiSendCallOnly reverts on a delegatecall entry: nothing runs, and the bytes are not a clean batch
    ("delegatecall entry in MultiSendCallOnly", batch((1, MSCO_141, 0, multisend(packed_entry(0, OTHER, 0, b"")))),
     {("BATCH_AMBIGUOUS", C, "0")}, "block"),
    ("plain MultiSend", dict(batch((0, OTHER, 0, b"")), to=MULTISEND_141), {("MULTISEND_DELEGATECALL_CAPABLE", W, "0")}, "warn"),
    ("masterCopy change", self_call(call("changeMasterCopy(address)", ["address"], [ATTACKER]), safeVersion="1.1.1"),
     {("MASTERCOPY_CHANGE", C, "0"), ("SELF_CALL", I, "0")}, "block"),
    ("SafeMigration 1.4.1 (trusted library, still a masterCopy change)",
     dict(to=SAFE_MIGRATION_141, operation=1, safeVersion="1.4.1", data=call("migrateSingleton()", [], [])),
     {("MASTERCOPY_CHANGE", C, "0")}, "block"),
    ("proxy upgradeTo", dict(to=OTHER, data=call("upgradeTo(address)", ["address"], [ATTACKER])), {("PROXY_UPGRADE", C, "0")}, "block"),
    ("ProxyAdmin upgrade", dict(to=OTHER, data=call("upgrade(address,address)", ["address", "address"], [OWNERS[1], ATTACKER])),
     {("PROXY_UPGRADE", C, "0")}, "block"),
    ("enableModule", self_call(call("enableModule(address)", ["address"], [ATTACKER])),
     {("MODULE_CHANGE", C, "0"), ("SELF_CALL", I, "0")}, "block"),
    ("disableModule", self_call(call("disableModule(address,address)", ["address", "address"], ["0x" + "0" * 39 + "1", ATTACKER])),
     {("MODULE_CHANGE", C, "0"), ("SELF_CALL", I, "0")}, "block"),
    ("setGuard", self_call(call("setGuard(address)", ["address"], [ATTACKER])), {("GUARD_CHANGE", C, "0"), ("SELF_CALL", I, "0")}, "block"),
    ("setFallbackHandler", self_call(call("setFallbackHandler(address)", ["address"], [ATTACKER])),
     {("FALLBACK_HANDLER_CHANGE", C, "0"), ("SELF_CALL", I, "0")}, "block"),
    ("addOwnerWithThreshold 2", self_call(call("addOwnerWithThreshold(address,uint256)", ["address", "uint256"], [OTHER, 2])),
     {("OWNER_CHANGE", W, "0"), ("THRESHOLD_CHANGE", W, "0"), ("SELF_CALL", I, "0")}, "warn"),
    ("removeOwner to threshold 1",
     self_call(call("removeOwner(address,address,uint256)", ["address", "address", "uint256"], [OWNERS[1], OTHER, 1])),
     {("OWNER_CHANGE", W, "0"), ("THRESHOLD_CHANGE", C, "0"), ("SELF_CALL", I, "0")}, "block"),
    ("swapOwner", self_call(call("swapOwner(address,address,address)", ["address"] * 3, [OWNERS[1], OTHER, ATTACKER])),
     {("OWNER_CHANGE", W, "0"), ("SELF_CALL", I, "0")}, "warn"),
    ("changeThreshold 3", self_call(call("changeThreshold(uint256)", ["uint256"], [3])),
     {("THRESHOLD_CHANGE", W, "0"), ("SELF_CALL", I, "0")}, "warn"),
    ("changeThreshold 1", self_call(call("changeThreshold(uint256)", ["uint256"], [1])),
     {("THRESHOLD_CHANGE", C, "0"), ("SELF_CALL", I, "0")}, "block"),
    ("transferOwnership", dict(to=OTHER, data=call("transferOwnership(address)", ["address"], [ATTACKER])),
     {("OWNERSHIP_TRANSFER", C, "0")}, "block"),
    ("renounceOwnership", dict(to=OTHER, data=call("renounceOwnership()", [], [])), {("OWNERSHIP_TRANSFER", C, "0")}, "block"),
    ("grantRole admin", dict(to=OTHER, data=call("grantRole(bytes32,address)", ["bytes32", "address"], [ADMIN_ROLE, ATTACKER])),
     {("OWNERSHIP_TRANSFER", C, "0")}, "block"),
    ("grantRole other role", dict(to=OTHER, data=call("grantRole(bytes32,address)", ["bytes32", "address"], [MINTER_ROLE, ATTACKER])),
     {("ROLE_CHANGE", W, "0")}, "warn"),
    ("gas refund to executor", dict(to=OTHER, gasPrice="1000000000", baseGas="50000"), {("GAS_REFUND", W, "0")}, "warn"),
    ("gas refund to fixed receiver", dict(to=OTHER, gasPrice="1", refundReceiver=ATTACKER), {("GAS_REFUND", C, "0")}, "block"),
    ("gas token set, no price", dict(to=OTHER, gasToken=USDC), {("GAS_REFUND", I, "0")}, "ok"),
    ("refund receiver set, no price", dict(to=OTHER, refundReceiver=ATTACKER), {("GAS_REFUND", I, "0")}, "ok"),
    # a bounded allowance that never expires, to a spender no address book, policy or bundled list knows,
    # is critical (the one allowance rule, decoders/findings.py allowance_severity; issue 18)
    ("approve limited", dict(to=USDC, data=call("approve(address,uint256)", ["address", "uint256"], [ATTACKER, 10**6])),
     {("TOKEN_APPROVAL", C, "0")}, "block"),
    # approve(x, 0) is an ERC-20 revoke but also ERC-721 approve of token #0 (issue 10): not a plain revoke,
    # unless the contract is a listed ERC-20 (issue 21: no ERC-721 reading for a listed ERC-20)
    ("approve revoke, unlisted", dict(to=OTHER, data=call("approve(address,uint256)", ["address", "uint256"], [ATTACKER, 0])),
     {("TOKEN_APPROVAL", W, "0")}, "warn"),
    ("approve revoke, listed ERC-20", dict(to=USDC, data=call("approve(address,uint256)", ["address", "uint256"], [ATTACKER, 0])),
     {("TOKEN_APPROVAL", I, "0")}, "ok"),
    ("approve max", dict(to=USDC, data=call("approve(address,uint256)", ["address", "uint256"], [ATTACKER, MAX_UINT256])),
     {("UNLIMITED_APPROVAL", C, "0")}, "block"),
    ("approve 2**200", dict(to=USDC, data=call("approve(address,uint256)", ["address", "uint256"], [ATTACKER, 2**200])),
     {("UNLIMITED_APPROVAL", C, "0")}, "block"),
    ("increaseAllowance max", dict(to=USDC, data=call("increaseAllowance(address,uint256)", ["address", "uint256"], [ATTACKER, MAX_UINT256])),
     {("UNLIMITED_APPROVAL", C, "0")}, "block"),
    ("setApprovalForAll", dict(to=OTHER, data=call("setApprovalForAll(address,bool)", ["address", "bool"], [ATTACKER, True])),
     {("UNLIMITED_APPROVAL", C, "0")}, "block"),
    ("Permit2 approve max", dict(to=PERMIT2, data=call("approve(address,address,uint160,uint48)",
                                                       ["address", "address", "uint160", "uint48"], [USDC, ATTACKER, 2**160 - 1, 2**40])),
     {("UNLIMITED_APPROVAL", C, "0")}, "block"),
    ("unknown selector", dict(to=OTHER, data="0xdeadbeef"), {("UNKNOWN_SELECTOR", W, "0")}, "warn"),
    ("undecodable", dict(to=USDC, data=hex0x(erc20_transfer(OTHER, 1) + b"\x00")), {("UNDECODABLE_CALLDATA", C, "0")}, "block"),
    # an unknown recipient is never ok (issue 18): named and warned
    ("native transfer", dict(to=OTHER, value=str(10**18)), {("NATIVE_TRANSFER", I, "0"), ("COUNTERPARTY_UNKNOWN", W, "0")}, "warn"),
    ("plain token transfer", dict(to=USDC, data=hex0x(erc20_transfer(OTHER, 5))), {("COUNTERPARTY_UNKNOWN", W, "0")}, "warn"),
    ("cancel (empty self-call)", dict(to=SAFE), {("SELF_CALL", I, "0")}, "ok"),
    ("batch: native + approval", batch((0, OTHER, 1, b""), (0, USDC, 0, calldata("approve(address,uint256)", ["address", "uint256"], [ATTACKER, MAX_UINT256]))),
     {("NATIVE_TRANSFER", I, "0.0"), ("COUNTERPARTY_UNKNOWN", W, "0.0"), ("UNLIMITED_APPROVAL", C, "0.1")}, "block"),
]


@pytest.mark.parametrize("fields,expected,verdict", [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_findings_table(fields, expected, verdict):
    report = verify_record(service_record(**fields))
    assert {(f.code, f.severity, f.path) for f in report.findings} == expected
    assert report.verdict == verdict
    assert all(f.message for f in report.findings)


def test_claimed_hash_mismatch():
    record = service_record(to=OTHER, value="1")
    good = peer_hashes(record)["safeTx"]
    assert [f.code for f in verify_record(dict(record, safeTxHash=good)).findings] == ["COUNTERPARTY_UNKNOWN", "NATIVE_TRANSFER"]
    wrong = service_record(to=OTHER, value="2")
    report = verify_record(dict(record, safeTxHash=peer_hashes(wrong)["safeTx"]))
    assert {(f.code, f.severity) for f in report.findings} == {("CLAIMED_HASH_MISMATCH", C), ("NATIVE_TRANSFER", I),
                                                               ("COUNTERPARTY_UNKNOWN", W)}
    assert report.verdict == "block"


DECODED_CASES = [
    ("method differs", {"method": "transfer", "parameters": [{"name": "to", "type": "address", "value": OTHER},
                                                             {"name": "value", "type": "uint256", "value": "5"}]}, True),
    ("value differs", {"method": "approve", "parameters": [{"name": "spender", "type": "address", "value": ATTACKER},
                                                           {"name": "value", "type": "uint256", "value": "5"}]}, True),
    ("spender differs", {"method": "approve", "parameters": [{"name": "spender", "type": "address", "value": OTHER},
                                                             {"name": "value", "type": "uint256", "value": str(MAX_UINT256)}]}, True),
    ("agrees (lowercase address)", {"method": "approve", "parameters": [
        {"name": "spender", "type": "address", "value": ATTACKER.lower()},
        {"name": "value", "type": "uint256", "value": str(MAX_UINT256)}]}, False),
]


@pytest.mark.parametrize("claimed,mismatch", [c[1:] for c in DECODED_CASES], ids=[c[0] for c in DECODED_CASES])
def test_decoded_mismatch(claimed, mismatch):
    record = service_record(to=USDC, data=call("approve(address,uint256)", ["address", "uint256"], [ATTACKER, MAX_UINT256]))
    report = verify_record(dict(record, dataDecoded=claimed))
    found = [(f.severity, f.path) for f in report.findings if f.code == "DECODED_MISMATCH"]
    assert found == ([(C, "0")] if mismatch else [])


def test_decoded_mismatch_inside_batch():
    entries = [(0, OTHER, 10**18, b""), (0, USDC, 0, erc20_transfer(ATTACKER, 10**9))]
    record = service_record(**batch(*entries))
    claimed_entries = [
        {"operation": 0, "to": OTHER, "value": str(10**18), "data": None, "dataDecoded": None},
        {"operation": 0, "to": USDC, "value": "0", "data": hex0x(erc20_transfer(ATTACKER, 10**9)),
         "dataDecoded": {"method": "transfer", "parameters": [{"name": "to", "type": "address", "value": OTHER},
                                                               {"name": "value", "type": "uint256", "value": str(10**9)}]}},
    ]
    claimed = {"method": "multiSend", "parameters": [{"name": "transactions", "type": "bytes", "value": "0x", "valueDecoded": claimed_entries}]}
    report = verify_record(dict(record, dataDecoded=claimed))
    assert [f.code for f in report.findings if f.code == "DECODED_MISMATCH"] == ["DECODED_MISMATCH"]
    # The honest decoding of the same batch is accepted.
    claimed_entries[1]["dataDecoded"]["parameters"][0]["value"] = ATTACKER
    assert "DECODED_MISMATCH" not in [f.code for f in verify_record(dict(record, dataDecoded=claimed)).findings]


def test_findings_sorted_critical_first_and_verdict_rule():
    report = verify_record(service_record(to=ATTACKER, operation=1, value="5", data="0x12345678"))
    severities = [f.severity for f in report.findings]
    assert severities == sorted(severities, key=["critical", "warn", "info"].index)
    assert verdict_of([]) == "ok"
    assert verdict_of([Finding("X", "info", None, "m")]) == "ok"
    assert verdict_of([Finding("X", "info", None, "m"), Finding("Y", "warn", None, "m")]) == "warn"
    assert verdict_of([Finding("Y", "warn", None, "m"), Finding("Z", "critical", None, "m")]) == "block"


def test_zero_address_target_is_not_a_self_call():
    report = verify_record(service_record(to=ZERO, value="1"))
    assert {f.code for f in report.findings} == {"NATIVE_TRANSFER", "COUNTERPARTY_UNKNOWN"}


MSCO_150 = "0xA83c336B20401Af773B6219BA5027174338D1836"  # safe-deployments v1.5.0 MultiSendCallOnly


@pytest.mark.parametrize("shown_to,mismatch", [(ZERO, False), (SAFE, False), (ATTACKER, True)])
def test_decoded_mismatch_for_safe_150_zero_address_entries(shown_to, mismatch):
    # In a 1.5.0 batch `to == 0x0` is the Safe: the service may show 0x0 or the Safe, nothing else.
    blob = packed_entry(0, ZERO, 0, calldata("changeThreshold(uint256)", ["uint256"], [2]))
    record = service_record(to=MSCO_150, operation=1, safeVersion="1.5.0", data=hex0x(multisend(blob)))
    claimed = {"method": "multiSend", "parameters": [{"name": "transactions", "type": "bytes", "value": "0x", "valueDecoded": [
        {"operation": 0, "to": shown_to, "value": "0", "data": hex0x(calldata("changeThreshold(uint256)", ["uint256"], [2])),
         "dataDecoded": {"method": "changeThreshold", "parameters": [{"name": "_threshold", "type": "uint256", "value": "2"}]}}]}]}
    report = verify_record(dict(record, dataDecoded=claimed))
    assert ("DECODED_MISMATCH" in [f.code for f in report.findings]) == mismatch
