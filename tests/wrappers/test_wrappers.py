"""Wrappers unwrapped: every class of issue 10 comes out with the finding at the depth it happens.

Calldata is built here with eth-abi from each contract's published ABI (sources named next to
each signature), never from Coldsight's own encoders. Expected paths, codes and severities follow
from what each contract's source does with its arguments. The static path (execute=False) is
used for the table; tests/wrappers/test_wrappers_evm.py runs the real Safe bytecode on a few."""

import pytest
from eth_abi import encode
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from decoders.verify import VerifyOptions, verify_bytes
from tests.core.peers import OWNERS, calldata, hex0x, multisend, packed_entry, service_record

import json

SAFE = OWNERS[4]
CHILD_SAFE = OWNERS[2]  # a Safe this Safe owns (any address: its code is not needed offline)
OTHER = OWNERS[0]
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"  # Bybit attacker contract (public incident reports)
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # Circle's USDC on Ethereum
MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"  # mds1/multicall README: same address on every chain
UNIVERSAL_ROUTER = "0x66a9893cC07D91D95644AEDD05D03f95e1dBA8Af"  # Uniswap docs: UniversalRouter v4 on Ethereum
OPTIMISM_PORTAL = "0xbEb5Fc579115071764c7423A4f12eDde41f106Ed"  # OP Mainnet OptimismPortalProxy on Ethereum (Optimism docs)
ARBITRUM_INBOX = "0x4Dbd4fc535Ac27206064B68FfCf827b0A60BAB3f"  # Arbitrum One Delayed Inbox on Ethereum (Arbitrum docs)
# @safe-global/safe-deployments src/assets/v1.4.1/{multi_send_call_only,sign_message_lib,create_call}.json
MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
SIGN_MESSAGE_LIB_141 = "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9"
CREATE_CALL_141 = "0x9b35Af71d77eaf8d7e40252370304687390A1A52"
MAX_UINT256 = 2**256 - 1
ADMIN_ROLE = bytes(32)
MINTER_ROLE = keccak(b"MINTER_ROLE")
C, W, I = "critical", "warn", "info"


def approve(spender: str, amount: int) -> bytes:  # EIP-20 approve(address,uint256)
    return calldata("approve(address,uint256)", ["address", "uint256"], [spender, amount])


def multicall(*items: bytes) -> bytes:  # OpenZeppelin contracts/utils/Multicall.sol, Uniswap v3-periphery base/Multicall.sol
    return calldata("multicall(bytes[])", ["bytes[]"], [list(items)])


def aggregate3(*calls) -> bytes:  # mds1/multicall src/Multicall3.sol: Call3 {address target; bool allowFailure; bytes callData}
    return calldata("aggregate3((address,bool,bytes)[])", ["(address,bool,bytes)[]"], [[(t, False, d) for t, d in calls]])


def aggregate3_value(*calls) -> bytes:  # Call3Value {address target; bool allowFailure; uint256 value; bytes callData}
    return calldata("aggregate3Value((address,bool,uint256,bytes)[])", ["(address,bool,uint256,bytes)[]"],
                    [[(t, False, v, d) for t, v, d in calls]])


def exec_transaction(to: str, data: bytes, operation: int = 0, value: int = 0) -> bytes:
    # safe-smart-account contracts/Safe.sol execTransaction; signature: this Safe's approval (v=1, r=owner)
    signature = encode(["uint256", "uint256"], [int(SAFE, 16), 0]) + b"\x01"
    return calldata("execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
                    ["address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address", "bytes"],
                    [to, value, data, operation, 0, 0, 0, "0x" + "00" * 20, "0x" + "00" * 20, signature])


def module_exec(to: str, data: bytes, operation: int = 0) -> bytes:  # safe-smart-account base/ModuleManager.sol
    return calldata("execTransactionFromModule(address,uint256,bytes,uint8)", ["address", "uint256", "bytes", "uint8"],
                    [to, 0, data, operation])


def account_execute(to: str, data: bytes, value: int = 0) -> bytes:  # eth-infinitism SimpleAccount.sol v0.7.0
    return calldata("execute(address,uint256,bytes)", ["address", "uint256", "bytes"], [to, value, data])


def op_deposit(to: str, data: bytes, value: int = 0, creation: bool = False) -> bytes:  # OptimismPortal2.sol
    return calldata("depositTransaction(address,uint256,uint64,bool,bytes)", ["address", "uint256", "uint64", "bool", "bytes"],
                    [to, value, 100_000, creation, data])


def retryable(to: str, data: bytes) -> bytes:  # OffchainLabs/nitro-contracts src/bridge/Inbox.sol
    return calldata("createRetryableTicket(address,uint256,uint256,address,address,uint256,uint256,bytes)",
                    ["address", "uint256", "uint256", "address", "address", "uint256", "uint256", "bytes"],
                    [to, 0, 10**15, SAFE, SAFE, 100_000, 10**9, data])


def router_execute(commands: bytes, inputs: list[bytes]) -> bytes:  # Uniswap/universal-router UniversalRouter.sol
    return calldata("execute(bytes,bytes[],uint256)", ["bytes", "bytes[]", "uint256"], [commands, inputs, 2**40])


def l1_to_l2_alias(address: str) -> str:
    # AddressAliasHelper.applyL1ToL2Alias: uint160(l1Address) + uint160(0x1111000000000000000000000000000000001111)
    return to_checksum_address((int(address, 16) + 0x1111000000000000000000000000000000001111) % 2**160)


def review(safe_version: str = "1.4.1", execute: bool = False, **fields):
    record = service_record(safeVersion=safe_version, **fields)
    return verify_bytes(json.dumps(record).encode(), "test", VerifyOptions(execute=execute))


def triples(report) -> set:
    return {(f.code, f.severity, f.path) for f in report.findings}


TRANSFER_OWNERSHIP = calldata("transferOwnership(address)", ["address"], [ATTACKER])  # OpenZeppelin Ownable
UNKNOWN = bytes.fromhex("deadbeef") + bytes(32)

TABLE = [
    ("multicall on a token: unlimited approval one level down",
     dict(to=USDC, data=hex0x(multicall(approve(ATTACKER, MAX_UINT256)))),
     {("UNLIMITED_APPROVAL", C, "0.0")}, "block"),
    ("multicall hiding an unknown function",
     dict(to=OTHER, data=hex0x(multicall(approve(ATTACKER, 5), UNKNOWN))),
     # a standing allowance to an unknown spender is critical (issue 18: the one allowance rule)
     {("TOKEN_APPROVAL", C, "0.0"), ("UNKNOWN_SELECTOR", W, "0.1"), ("OPAQUE_CALL", W, "0")}, "block"),
    ("Multicall3 delegatecalled: enableModule as the Safe",
     dict(to=MULTICALL3, operation=1, data=hex0x(aggregate3((SAFE, calldata("enableModule(address)", ["address"], [ATTACKER]))))),
     {("DELEGATECALL_UNTRUSTED", C, "0"), ("MODULE_CHANGE", C, "0.0"), ("SELF_CALL", I, "0.0")}, "block"),
    ("Multicall3 delegatecalled hiding an unknown call: opaque as the Safe is critical",
     dict(to=MULTICALL3, operation=1, data=hex0x(aggregate3((OTHER, UNKNOWN)))),
     {("DELEGATECALL_UNTRUSTED", C, "0"), ("UNKNOWN_SELECTOR", W, "0.0"), ("OPAQUE_CALL", C, "0")}, "block"),
    ("Multicall3 CALLed: value and ownership transfer made by Multicall3",
     dict(to=MULTICALL3, value="7", data=hex0x(aggregate3_value((OTHER, 7, b""), (USDC, 0, TRANSFER_OWNERSHIP)))),
     {("NATIVE_TRANSFER", I, "0"), ("NATIVE_TRANSFER", I, "0.0"), ("COUNTERPARTY_UNKNOWN", W, "0.0"),
      ("OWNERSHIP_TRANSFER", C, "0.1")}, "block"),
    ("nested Safe execTransaction delegatecalling the attacker",
     dict(to=CHILD_SAFE, data=hex0x(exec_transaction(ATTACKER, UNKNOWN, operation=1))),
     {("DELEGATECALL_UNTRUSTED", C, "0.0"), ("UNKNOWN_SELECTOR", C, "0.0"), ("OPAQUE_CALL", W, "0")}, "block"),
    ("nested Safe execTransaction with a MultiSendCallOnly batch: approval two levels down",
     dict(to=CHILD_SAFE, data=hex0x(exec_transaction(MSCO_141, multisend(
         packed_entry(0, OTHER, 1, b"") + packed_entry(0, USDC, 0, approve(ATTACKER, MAX_UINT256))), operation=1))),
     {("NATIVE_TRANSFER", I, "0.0.0"), ("COUNTERPARTY_UNKNOWN", W, "0.0.0"), ("UNLIMITED_APPROVAL", C, "0.0.1")}, "block"),
    ("module call on another Safe swapping its owner",
     dict(to=CHILD_SAFE, data=hex0x(module_exec(CHILD_SAFE, calldata(
         "swapOwner(address,address,address)", ["address"] * 3, [OWNERS[1], OTHER, ATTACKER])))),
     {("OWNER_CHANGE", W, "0.0")}, "warn"),
    ("smart-account execute hiding an unknown call",
     dict(to=OTHER, data=hex0x(account_execute(ATTACKER, UNKNOWN))),
     {("UNKNOWN_SELECTOR", W, "0.0"), ("OPAQUE_CALL", W, "0")}, "warn"),
    ("OptimismPortal deposit carrying an L2 ownership transfer",
     dict(to=OPTIMISM_PORTAL, data=hex0x(op_deposit(OTHER, TRANSFER_OWNERSHIP))),
     {("OWNERSHIP_TRANSFER", C, "0.0")}, "block"),
    ("OptimismPortal deposit creating an L2 contract",
     dict(to=OPTIMISM_PORTAL, data=hex0x(op_deposit("0x" + "00" * 20, bytes.fromhex("6080"), creation=True))),
     {("CONTRACT_CREATION", W, "0.0")}, "warn"),
    ("Arbitrum retryable ticket with undecodable L2 data",
     dict(to=ARBITRUM_INBOX, data=hex0x(retryable(OTHER, UNKNOWN))),
     {("UNKNOWN_SELECTOR", W, "0.0"), ("OPAQUE_CALL", W, "0")}, "warn"),
    ("Universal Router command stream",
     dict(to=UNIVERSAL_ROUTER, data=hex0x(router_execute(bytes([0x0A, 0x00, 0x04]), [b"", b"", b""]))),
     {("OPAQUE_CALL", W, "0")}, "warn"),
    ("Universal Router delegatecalled",
     dict(to=UNIVERSAL_ROUTER, operation=1, data=hex0x(router_execute(bytes([0x04]), [b""]))),
     {("DELEGATECALL_UNTRUSTED", C, "0"), ("OPAQUE_CALL", C, "0")}, "block"),
    ("renounceRole(DEFAULT_ADMIN_ROLE)",  # OpenZeppelin AccessControl.sol v5.0.2
     dict(to=OTHER, data=hex0x(calldata("renounceRole(bytes32,address)", ["bytes32", "address"], [ADMIN_ROLE, SAFE]))),
     {("OWNERSHIP_TRANSFER", C, "0")}, "block"),
    ("renounceRole of another role",
     dict(to=OTHER, data=hex0x(calldata("renounceRole(bytes32,address)", ["bytes32", "address"], [MINTER_ROLE, SAFE]))),
     {("ROLE_CHANGE", W, "0")}, "warn"),
    ("approve(to, 0): an ERC-20 revoke, or ERC-721 token #0",
     dict(to=OTHER, data=hex0x(approve(ATTACKER, 0))), {("TOKEN_APPROVAL", W, "0")}, "warn"),
    ("approveHash on a parent Safe",
     dict(to=CHILD_SAFE, data=hex0x(calldata("approveHash(bytes32)", ["bytes32"], [keccak(b"unseen")]))),
     {("OPAQUE_APPROVAL", W, "0")}, "warn"),
    ("signMessage through SignMessageLib",
     dict(to=SIGN_MESSAGE_LIB_141, operation=1, data=hex0x(calldata("signMessage(bytes)", ["bytes"], [keccak(b"order")]))),
     {("OPAQUE_APPROVAL", W, "0")}, "warn"),
    ("ExtensibleFallbackHandler setSafeMethod on the Safe",  # handler/extensible/FallbackHandler.sol v1.5.0
     dict(to=SAFE, data=hex0x(calldata("setSafeMethod(bytes4,bytes32)", ["bytes4", "bytes32"],
                                       [bytes.fromhex("a9059cbb"), bytes(12) + bytes.fromhex(ATTACKER[2:])]))),
     {("FALLBACK_HANDLER_CHANGE", C, "0"), ("SELF_CALL", I, "0")}, "block"),
    ("ExtensibleFallbackHandler setDomainVerifier on the Safe",  # handler/extensible/SignatureVerifierMuxer.sol v1.5.0
     dict(to=SAFE, data=hex0x(calldata("setDomainVerifier(bytes32,address)", ["bytes32", "address"],
                                       [keccak(b"domain"), ATTACKER]))),
     {("FALLBACK_HANDLER_CHANGE", C, "0"), ("SELF_CALL", I, "0")}, "block"),
    ("CreateCall delegatecall is a contract creation, not an attack",  # CreateCall.sol performCreate
     dict(to=CREATE_CALL_141, operation=1, data=hex0x(calldata("performCreate(uint256,bytes)", ["uint256", "bytes"],
                                                              [0, bytes.fromhex("6080")]))),
     {("CONTRACT_CREATION", W, "0.0")}, "warn"),
]


@pytest.mark.parametrize(("fields", "expected", "verdict"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_wrapper_findings(fields, expected, verdict):
    report = review(**fields)
    assert triples(report) == expected
    assert report.verdict == verdict


def test_paths_go_three_levels_deep():
    # nested Safe -> Multicall3 (CALL) -> multicall on a token -> approve
    inner = multicall(approve(ATTACKER, MAX_UINT256))
    report = review(to=CHILD_SAFE, data=hex0x(exec_transaction(MULTICALL3, aggregate3((USDC, inner)))))
    assert ("UNLIMITED_APPROVAL", C, "0.0.0.0") in triples(report)
    node = report.root.children[0].children[0].children[0]
    assert (node.path, node.to, node.function.name) == ("0.0.0.0", USDC, "approve")
    assert node.runs_as == MULTICALL3 and node.claimed
    message = next(f.message for f in report.findings if f.path == "0.0.0.0")
    assert "not by this Safe" in message


def test_nested_safe_delegatecall_names_the_nested_safe():
    report = review(to=CHILD_SAFE, data=hex0x(exec_transaction(ATTACKER, UNKNOWN, operation=1)))
    message = next(f.message for f in report.findings if f.code == "DELEGATECALL_UNTRUSTED")
    assert "the nested Safe" in message and "full control of 0x" in message


def test_l2_call_is_made_by_the_aliased_safe():
    report = review(to=OPTIMISM_PORTAL, data=hex0x(op_deposit(OTHER, TRANSFER_OWNERSHIP)))
    child = report.root.children[0]
    assert child.runs_as == l1_to_l2_alias(SAFE) and child.network == "L2" and child.target is None
    assert "on L2" in next(f.message for f in report.findings if f.path == "0.0")


def test_create2_child_address_is_eip_1014_example():
    # EIP-1014 "Examples", second one: deployer 0xdeadbeef00000000000000000000000000000000, salt 0, init_code 0x00
    # -> 0xB928f69Bb1D91Cd65274e3c79d8986362984fDA3. Under delegatecall the deployer is the Safe.
    safe = "0xdeadbeef00000000000000000000000000000000"
    data = calldata("performCreate2(uint256,bytes,bytes32)", ["uint256", "bytes", "bytes32"], [0, b"\x00", bytes(32)])
    report = review(safe=to_checksum_address(safe), to=CREATE_CALL_141, operation=1, data=hex0x(data))
    child = report.root.children[0]
    assert (child.operation, child.to) == (2, "0xB928f69Bb1D91Cd65274e3c79d8986362984fDA3")
    assert triples(report) == {("CONTRACT_CREATION", W, "0.0")}


def test_sign_message_shows_text_and_flags_hashes():
    text = review(to=SIGN_MESSAGE_LIB_141, operation=1, data=hex0x(calldata("signMessage(bytes)", ["bytes"], [b"hello"])))
    assert "'hello'" in text.findings[0].message
    digest = keccak(b"permit")
    hashed = review(to=SIGN_MESSAGE_LIB_141, operation=1, data=hex0x(calldata("signMessage(bytes)", ["bytes"], [digest])))
    assert digest.hex() in hashed.findings[0].message and "cannot see" in hashed.findings[0].message


def test_wrappers_nested_too_deep_are_refused():
    data = approve(ATTACKER, 1)
    for _ in range(10):
        data = multicall(data)
    report = review(to=OTHER, data=hex0x(data))
    assert "UNDECODABLE_CALLDATA" in {f.code for f in report.findings} and report.verdict == "block"


def test_non_canonical_wrapper_is_undecodable():
    data = multicall(approve(ATTACKER, 1)) + b"\x00"
    report = review(to=OTHER, data=hex0x(data))
    assert triples(report) == {("UNDECODABLE_CALLDATA", C, "0")}


def test_nothing_in_the_table_is_ok():
    assert all(row[3] != "ok" for row in TABLE)


def test_nested_safe_signing_a_message_is_flagged_with_its_signer():
    sign = calldata("signMessage(bytes)", ["bytes"], [keccak(b"order")])
    report = review(to=CHILD_SAFE, data=hex0x(exec_transaction(SIGN_MESSAGE_LIB_141, sign, operation=1)))
    found = [f for f in report.findings if f.code == "OPAQUE_APPROVAL"]
    assert [(f.path, f.severity) for f in found] == [("0.0", W)] and f"Safe {CHILD_SAFE}" in found[0].message


def test_safe_111_self_call_sign_message_is_flagged():
    report = review(safe_version="1.1.1", to=SAFE, data=hex0x(calldata("signMessage(bytes)", ["bytes"], [b"hi"])))
    assert ("OPAQUE_APPROVAL", W, "0") in triples(report)
