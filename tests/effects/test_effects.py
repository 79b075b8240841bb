"""Issue 18: judge effects, not names. Every attack class, through every wrapper and batch level.

Calldata is encoded here with eth-abi from each protocol's published signature (the sources are
named in decoders/data/knowledge/*.json and next to each encoder below), never with Coldsight's
own encoders. Expected codes, severities and paths follow from the rules in decoders/findings.py
(`effect_findings`): proceeds or positions credited to an unknown address are critical, an unknown
payee is a warning, an unlimited (>= 2^96) allowance is critical, a standing bounded allowance to an
unknown spender is critical, authority handed over under any name is critical, native coin attached
to a function that takes none is critical. The static path (execute=False) is used: the EVM check
proves the Safe-level call tree these effects are read from (tests/wrappers/test_wrappers_evm.py).
"""

import json

import pytest

from decoders.addressbook import AddressBook, Entry
from decoders.verify import VerifyOptions, verify_bytes
from tests.core.peers import calldata, multisend, packed_entry, service_record
from tests.wrappers.test_wrappers import (
    ADMIN_ROLE, CHILD_SAFE, MINTER_ROLE, MSCO_141, SAFE, USDC, exec_transaction, module_exec, multicall,
)

C, W, I = "critical", "warn", "info"
STRANGER = "0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c"  # an address no list knows (made up)
FRIEND = "0xE6B02FAd6Cff7e43FA1546e474287caeD867ee8c"  # "ops" in the test address book
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"  # WETH9 on Ethereum (verified source)
V3_ROUTER = "0xe592427A0aeCe9B10E677BfCdc22ee4FDBF3c7Cc"  # stands for a swap router (no list names it)
PROTOCOL = "0x7d2768dE32b0b80b7a3454c06BdAc94A69DDc7A9"  # stands for the protocol contract called (Aave v2 pool address)
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"  # Uniswap/permit2 README
MAX_UINT48 = 2**48 - 1
BOOK = AddressBook()
BOOK.add(Entry(1, FRIEND, "ops"))


def review(to: str, data: bytes, operation: int = 0, value: int = 0, book: AddressBook | None = None):
    record = service_record(safe=SAFE, to=to, data="0x" + data.hex(), operation=operation, value=str(value),
                            safeVersion="1.4.1")
    return verify_bytes(json.dumps(record).encode(), "test", VerifyOptions(execute=False, address_book=book))


def triples(report) -> set:
    return {(f.code, f.severity, f.path) for f in report.findings}


# ---- encoders, each from its project's source ---------------------------------------------------
def sig(text: str, types: list[str], values: list) -> bytes:
    return calldata(text, types, values)


EXACT_INPUT_SINGLE = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"  # v3 ISwapRouter


def exact_input_single(recipient: str) -> bytes:
    return sig(EXACT_INPUT_SINGLE, ["(address,address,uint24,address,uint256,uint256,uint256,uint160)"],
               [(USDC, WETH, 500, recipient, 2**40, 10**6, 10**15, 0)])


def swap02_exact_input_single(recipient: str) -> bytes:  # swap-router-contracts IV3SwapRouter (SwapRouter02)
    return sig("exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))",
               ["(address,address,uint24,address,uint256,uint256,uint160)"], [(USDC, WETH, 500, recipient, 10**6, 10**15, 0)])


def unwrap_weth9(recipient: str) -> bytes:  # v3-periphery PeripheryPayments
    return sig("unwrapWETH9(uint256,address)", ["uint256", "address"], [10**15, recipient])


PROCEEDS = {  # name -> (target, calldata): each pays out to STRANGER
    "v3 exactInputSingle recipient": (V3_ROUTER, exact_input_single(STRANGER)),
    "v2 swapExactTokensForTokens to": (V3_ROUTER, sig("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
                                                      ["uint256", "uint256", "address[]", "address", "uint256"],
                                                      [10**6, 1, [USDC, WETH], STRANGER, 2**40])),
    "router unwrapWETH9 to": (V3_ROUTER, unwrap_weth9(STRANGER)),
    "1inch v5 swap dstReceiver": (PROTOCOL, sig(
        "swap(address,(address,address,address,address,uint256,uint256,uint256),bytes,bytes)",
        ["address", "(address,address,address,address,uint256,uint256,uint256)", "bytes", "bytes"],
        [PROTOCOL, (USDC, WETH, PROTOCOL, STRANGER, 10**6, 1, 0), b"", b""])),
    "OP bridge depositERC20To": (PROTOCOL, sig("depositERC20To(address,address,address,uint256,uint32,bytes)",
                                               ["address", "address", "address", "uint256", "uint32", "bytes"],
                                               [USDC, USDC, STRANGER, 10**6, 200_000, b""])),
    "Arbitrum outboundTransfer": (PROTOCOL, sig("outboundTransfer(address,address,uint256,uint256,uint256,bytes)",
                                                ["address", "address", "uint256", "uint256", "uint256", "bytes"],
                                                [USDC, STRANGER, 10**6, 100_000, 10**9, b""])),
    "Aave supply onBehalfOf": (PROTOCOL, sig("supply(address,uint256,address,uint16)", ["address", "uint256", "address", "uint16"],
                                             [USDC, 10**6, STRANGER, 0])),
    "Aave withdraw all to": (PROTOCOL, sig("withdraw(address,uint256,address)", ["address", "uint256", "address"],
                                           [USDC, 2**256 - 1, STRANGER])),
    "Comet withdrawTo": (PROTOCOL, sig("withdrawTo(address,address,uint256)", ["address", "address", "uint256"],
                                       [STRANGER, USDC, 10**6])),
    "Arbitrum retryable refund address": (PROTOCOL, sig(  # nitro-contracts Inbox.createRetryableTicket
        "createRetryableTicket(address,uint256,uint256,address,address,uint256,uint256,bytes)",
        ["address", "uint256", "uint256", "address", "address", "uint256", "uint256", "bytes"],
        [SAFE, 0, 10**15, STRANGER, SAFE, 100_000, 10**9, b""])),
    "OP bridge depositETHTo": (PROTOCOL, sig("depositETHTo(address,uint32,bytes)", ["address", "uint32", "bytes"],
                                             [STRANGER, 200_000, b""])),
    "Lido claimWithdrawalsTo": (PROTOCOL, sig("claimWithdrawalsTo(uint256[],uint256[],address)",
                                              ["uint256[]", "uint256[]", "address"], [[1], [1], STRANGER])),
}

ALLOWANCES = {  # name -> (target, calldata, code, severity)
    "approve just below 2^128": (USDC, sig("approve(address,uint256)", ["address", "uint256"], [FRIEND, 2**128 - 1]),
                                 "UNLIMITED_APPROVAL", C),
    "increaseApproval (WBTC) max": (USDC, sig("increaseApproval(address,uint256)", ["address", "uint256"], [FRIEND, 2**255]),
                                    "UNLIMITED_APPROVAL", C),
    "ERC-2612 permit on chain, 2^100": (USDC, sig("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
                                                  ["address", "address", "uint256", "uint256", "uint8", "bytes32", "bytes32"],
                                                  [SAFE, FRIEND, 2**100, 2**40, 27, b"\x01" * 32, b"\x02" * 32]),
                                        "UNLIMITED_APPROVAL", C),
    "ERC-2612 permit bounded to a stranger": (USDC, sig("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
                                                        ["address", "address", "uint256", "uint256", "uint8", "bytes32", "bytes32"],
                                                        [SAFE, STRANGER, 10**6, 2**40, 27, b"\x01" * 32, b"\x02" * 32]),
                                              "TOKEN_APPROVAL", C),
    "DAI permit allowed": (USDC, sig("permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)",
                                     ["address", "address", "uint256", "uint256", "bool", "uint8", "bytes32", "bytes32"],
                                     [SAFE, FRIEND, 0, 0, True, 27, b"\x01" * 32, b"\x02" * 32]), "UNLIMITED_APPROVAL", C),
    "Permit2 approve bounded, never expires, stranger": (PERMIT2, sig(
        "approve(address,address,uint160,uint48)", ["address", "address", "uint160", "uint48"], [USDC, STRANGER, 10**6, MAX_UINT48]),
        "TOKEN_APPROVAL", C),
    "Permit2 permit never expires, 2^100": (PERMIT2, sig(
        "permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)",
        ["address", "((address,uint160,uint48,uint48),address,uint256)", "bytes"],
        [SAFE, ((USDC, 2**100, MAX_UINT48, 0), FRIEND, 2**40), b"\x01" * 65]), "UNLIMITED_APPROVAL", C),
    "setApprovalForAll": (PROTOCOL, sig("setApprovalForAll(address,bool)", ["address", "bool"], [FRIEND, True]),
                          "UNLIMITED_APPROVAL", C),
    "Comet allow manager": (PROTOCOL, sig("allow(address,bool)", ["address", "bool"], [FRIEND, True]), "UNLIMITED_APPROVAL", C),
    "Maker hope": (PROTOCOL, sig("hope(address)", ["address"], [FRIEND]), "UNLIMITED_APPROVAL", C),
}

AUTHORITY = {  # name -> (calldata, code, severity)
    "beginDefaultAdminTransfer": (sig("beginDefaultAdminTransfer(address)", ["address"], [STRANGER]), "OWNERSHIP_TRANSFER", C),
    "Compound _setPendingAdmin": (sig("_setPendingAdmin(address)", ["address"], [STRANGER]), "OWNERSHIP_TRANSFER", C),
    "Compound _setPendingImplementation": (sig("_setPendingImplementation(address)", ["address"], [STRANGER]), "PROXY_UPGRADE", C),
    "Timelock setPendingAdmin": (sig("setPendingAdmin(address)", ["address"], [STRANGER]), "OWNERSHIP_TRANSFER", C),
    "EIP-2535 diamondCut": (sig("diamondCut((address,uint8,bytes4[])[],address,bytes)", ["(address,uint8,bytes4[])[]", "address", "bytes"],
                                [[(STRANGER, 0, [b"\x12\x34\x56\x78"])], "0x" + "00" * 20, b""]), "PROXY_UPGRADE", C),
    "DSProxy setOwner": (sig("setOwner(address)", ["address"], [STRANGER]), "OWNERSHIP_TRANSFER", C),
    "DSAuth setAuthority": (sig("setAuthority(address)", ["address"], [STRANGER]), "OWNERSHIP_TRANSFER", C),
    "Maker rely": (sig("rely(address)", ["address"], [STRANGER]), "OWNERSHIP_TRANSFER", C),
    "grantRole admin": (sig("grantRole(bytes32,address)", ["bytes32", "address"], [ADMIN_ROLE, STRANGER]), "OWNERSHIP_TRANSFER", C),
    "grantRole minter": (sig("grantRole(bytes32,address)", ["bytes32", "address"], [MINTER_ROLE, STRANGER]), "ROLE_CHANGE", W),
    "transferOwnership": (sig("transferOwnership(address)", ["address"], [STRANGER]), "OWNERSHIP_TRANSFER", C),
    "upgradeToAndCall": (sig("upgradeToAndCall(address,bytes)", ["address", "bytes"], [STRANGER, b""]), "PROXY_UPGRADE", C),
    "changeAdmin": (sig("changeAdmin(address)", ["address"], [STRANGER]), "OWNERSHIP_TRANSFER", C),
    "ProxyAdmin changeProxyAdmin": (sig("changeProxyAdmin(address,address)", ["address", "address"], [PROTOCOL, STRANGER]),
                                    "OWNERSHIP_TRANSFER", C),
}


# ---- wrappers: (to, operation, data, path of the wrapped call) ------------------------------------
def direct(target, data, value=0):
    return target, 0, data, value, "0"


def batch(target, data, value=0):  # a MultiSendCallOnly batch the Safe delegatecalls (depth 1)
    return MSCO_141, 1, multisend(packed_entry(0, target, value, data)), 0, "0.0"


def nested_safe(target, data, value=0):  # a Safe this Safe owns executes it (execTransaction)
    return CHILD_SAFE, 0, exec_transaction(target, data, value=value), 0, "0.0"


def module(target, data, value=0):  # this Safe is a module of another Safe
    return CHILD_SAFE, 0, module_exec(target, data), 0, "0.0"


def nested_in_batch(target, data, value=0):  # a batch entry that is a nested Safe's transaction (depth 2)
    return MSCO_141, 1, multisend(packed_entry(0, CHILD_SAFE, 0, exec_transaction(target, data, value=value))), 0, "0.0.0"


def via_multicall(target, data, value=0):  # multicall(bytes[]) on the same contract (self-delegatecall)
    return target, 0, multicall(data), 0, "0.0"


def wrapped(wrap, target, data, book=None):
    to, operation, outer, value, _ = wrap(target, data)
    return review(to, outer, operation, value, book=book)


WRAPPERS = {"direct": direct, "batch": batch, "nested Safe": nested_safe, "module call": module,
            "nested Safe in a batch": nested_in_batch, "multicall": via_multicall}


@pytest.mark.parametrize("wrap", sorted(WRAPPERS))
@pytest.mark.parametrize("name", sorted(PROCEEDS))
def test_proceeds_to_a_third_party_are_critical_at_every_depth(name, wrap):
    target, data = PROCEEDS[name]
    to, operation, outer, value, path = WRAPPERS[wrap](target, data)
    report = review(to, outer, operation, value)
    assert ("PROCEEDS_TO_THIRD_PARTY", C, path) in triples(report)
    assert report.verdict == "block"
    party = report.effects.counterparty(STRANGER)
    assert party is not None and party.judgement == "unknown" and path in party.paths
    # named on the first screen: the call's intent line and the JSON
    assert "0x5A0b…9c4c (unknown)" in report.intents[path].text
    assert any(p["address"] == STRANGER and p["judgement"] == "unknown" for p in report.as_json()["effects"]["counterparties"])


@pytest.mark.parametrize("wrap", sorted(WRAPPERS))
@pytest.mark.parametrize("name", sorted(ALLOWANCES))
def test_allowances_by_any_route(name, wrap):
    target, data, code, severity = ALLOWANCES[name]
    to, operation, outer, value, path = WRAPPERS[wrap](target, data)
    report = review(to, outer, operation, value, book=BOOK)
    assert (code, severity, path) in triples(report)


@pytest.mark.parametrize("wrap", sorted(WRAPPERS))
@pytest.mark.parametrize("name", sorted(AUTHORITY))
def test_authority_by_other_names(name, wrap):
    data, code, severity = AUTHORITY[name]
    to, operation, outer, value, path = WRAPPERS[wrap](PROTOCOL, data)
    report = review(to, outer, operation, value)
    assert (code, severity, path) in triples(report)
    assert not any(f.code == "UNKNOWN_SELECTOR" for f in report.findings)  # decoded from a bundled ABI
    assert report.effects.authority and report.effects.authority[0].path == path


@pytest.mark.parametrize("wrap", ["direct", "batch", "nested Safe", "nested Safe in a batch"])
def test_native_coin_on_an_erc20_call_is_critical(wrap):
    data = sig("transfer(address,uint256)", ["address", "uint256"], [FRIEND, 10**6])
    to, operation, outer, value, path = WRAPPERS[wrap](USDC, data, value=10**17)
    report = review(to, outer, operation, value, book=BOOK)
    assert ("VALUE_NOT_NEEDED", C, path) in triples(report)


def test_native_coin_on_a_nested_execTransaction_is_critical():
    report = review(CHILD_SAFE, exec_transaction(USDC, b""), value=10**18)
    assert ("VALUE_NOT_NEEDED", C, "0") in triples(report)


def test_increases_are_summed_across_a_batch():
    half = sig("increaseAllowance(address,uint256)", ["address", "uint256"], [FRIEND, 2**95])
    one = wrapped(batch, USDC, half, book=BOOK)
    assert ("TOKEN_APPROVAL", W, "0.0") in triples(one)  # 2^95 alone: bounded, to a named spender
    blob = packed_entry(0, USDC, 0, half) + packed_entry(0, USDC, 0, half)
    two = review(MSCO_141, multisend(blob), 1, book=BOOK)
    assert ("UNLIMITED_APPROVAL", C, "0.1") in triples(two)  # 2^95 + 2^95 = 2^96: unlimited
    [allowance] = two.effects.allowances
    assert allowance.amount == 2**96 and allowance.paths == ("0.0", "0.1")


@pytest.mark.parametrize("amount,code,severity", [(2**96 - 1, "TOKEN_APPROVAL", W), (2**96, "UNLIMITED_APPROVAL", C)])
def test_the_unlimited_bound_is_2_to_the_96(amount, code, severity):
    report = review(USDC, sig("approve(address,uint256)", ["address", "uint256"], [FRIEND, amount]), book=BOOK)
    assert triples(report) == {(code, severity, "0")}


def test_a_swap_whose_proceeds_return_to_this_safe_stays_ok():
    for wrap in ("direct", "batch", "multicall"):
        report = wrapped(WRAPPERS[wrap], V3_ROUTER, exact_input_single(SAFE))
        assert report.verdict == "ok", (wrap, triples(report))
        [move] = report.effects.assets
        assert move.recipient == SAFE and report.effects.counterparties[0].judgement == "self"


def test_swap02_multicall_unwrap_to_a_stranger():
    # SwapRouter02: swap with recipient ADDRESS_THIS (address(2): the router keeps it), then unwrap to a stranger
    data = multicall(swap02_exact_input_single("0x" + "00" * 19 + "02"), unwrap_weth9(STRANGER))
    report = review(V3_ROUTER, data)
    assert ("PROCEEDS_TO_THIRD_PARTY", C, "0.1") in triples(report)
    assert [m.path for m in report.effects.assets] == ["0.1"]  # the router holding WETH between steps is no effect
    ok = review(V3_ROUTER, multicall(swap02_exact_input_single("0x" + "00" * 19 + "02"), unwrap_weth9(SAFE)))
    assert ok.verdict == "ok", triples(ok)


def test_proceeds_to_a_nested_safe_this_transaction_operates_are_its_own():
    report = review(CHILD_SAFE, exec_transaction(V3_ROUTER, exact_input_single(CHILD_SAFE)))
    assert report.verdict == "ok", triples(report)


def test_unknown_function_on_unknown_contract_stays_warn():
    report = review(PROTOCOL, b"\xde\xad\xbe\xef" + bytes(32))
    assert report.verdict == "warn" and {f.code for f in report.findings} == {"UNKNOWN_SELECTOR"}


def test_known_payee_is_ok_unknown_payee_warns_and_is_named():
    pay = sig("transfer(address,uint256)", ["address", "uint256"], [FRIEND, 10**6])
    assert review(USDC, pay, book=BOOK).verdict == "ok"
    unknown = review(USDC, pay)
    assert triples(unknown) == {("COUNTERPARTY_UNKNOWN", W, "0")}
    assert FRIEND in unknown.findings[0].message


def test_effects_json_shape():
    report = wrapped(batch, V3_ROUTER, exact_input_single(STRANGER))
    effects = report.as_json()["effects"]
    assert set(effects) == {"assets", "allowances", "authority", "settings", "refunds", "counterparties",
                            "valueNotNeeded", "opaqueOrders", "proof"}
    assert effects["proof"] == "decoded"  # execute=False here; tests/effects/test_effects_evm.py runs the EVM
    [move] = effects["assets"]
    assert move == {"path": "0.0", "asset": WETH, "from": V3_ROUTER, "to": STRANGER, "amount": str(10**15),
                    "bound": "at least", "role": "proceeds", "tokenId": None, "network": None,
                    "function": "exactInputSingle"}


def test_safe_settings_are_effects():
    data = sig("addOwnerWithThreshold(address,uint256)", ["address", "uint256"], [STRANGER, 1])
    report = review(SAFE, data)
    [change] = report.effects.settings
    assert (change.setting, change.action, change.value) == ("owner", "add", STRANGER)
    assert report.effects.counterparty(STRANGER).receives == ("control",)


def test_message_permit_uses_the_same_rule_and_names_the_spender():
    from decoders.messages import review_message

    def permit(spender: str, value: int) -> dict:  # EIP-2612 typed data (the EIP's Permit type)
        return {"safe": SAFE, "chainId": 1, "safeVersion": "1.4.1", "message": {
            "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                                       {"name": "verifyingContract", "type": "address"}],
                      "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                                 {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                                 {"name": "deadline", "type": "uint256"}]},
            "primaryType": "Permit", "domain": {"name": "USD Coin", "chainId": 1, "verifyingContract": USDC},
            "message": {"owner": SAFE, "spender": spender, "value": str(value), "nonce": "0", "deadline": str(2**40)}}}

    for amount, book, expected in [(2**96, BOOK, ("UNLIMITED_APPROVAL", C)), (2**96 - 1, BOOK, ("TOKEN_APPROVAL", W)),
                                   (10**6, None, ("TOKEN_APPROVAL", C))]:
        spender = FRIEND if book is not None else STRANGER
        call = review(USDC, sig("approve(address,uint256)", ["address", "uint256"], [spender, amount]), book=book)
        message = review_message(permit(spender, amount), address_book=book)
        assert {(f.code, f.severity) for f in message.findings} == {expected} == {(f.code, f.severity) for f in call.findings}
        assert message.as_json()["effects"]["allowances"][0]["spender"] == spender


def test_first_screen_names_every_counterparty_in_text_and_gui(qtbot):
    from app.gui.review_view import ReviewView
    from app.service import Review
    from app.text_report import render

    report = wrapped(nested_in_batch, V3_ROUTER, exact_input_single(STRANGER))
    review = Review(report=report, policy=None)
    text = render(review)
    first_screen = text.split("Compare with your signing device")[0]
    assert f"{STRANGER}: UNKNOWN" in first_screen and "PROCEEDS_TO_THIRD_PARTY" in first_screen
    view = ReviewView(review)
    qtbot.addWidget(view)
    assert any(STRANGER in label.text() and "UNKNOWN" in label.text() for label in view.counterparty_labels)


def test_native_coin_attached_to_the_executors_execTransaction_is_critical():
    import rlp

    from decoders.formats.executor_tx import decode_transaction, payload_from_executor_tx
    from decoders.verify import verify_payload
    from tests.wrappers.test_executor_tx import SAFE as EXEC_SAFE
    from tests.wrappers.test_executor_tx import signed_calldata, to_bytes

    def eip1559(value: int) -> bytes:  # EIP-1559: [chainId, nonce, tip, maxFee, gas, to, value, data, accessList]
        return b"\x02" + rlp.encode([1, 3, 10**9, 2 * 10**9, 200_000, to_bytes(EXEC_SAFE), value, signed_calldata(), []])

    def verdict_codes(value: int) -> set:
        payload = payload_from_executor_tx(decode_transaction(eip1559(value), True, "test"), 7, 1, "test")
        report = verify_payload(payload, VerifyOptions(safe_version="1.4.1", execute=False))
        return {(f.code, f.severity, f.path) for f in report.findings}

    assert ("VALUE_NOT_NEEDED", C, None) in verdict_codes(10**18)
    assert not any(code == "VALUE_NOT_NEEDED" for code, _, _ in verdict_codes(0))


def test_proceeds_left_in_a_called_multicall3_are_a_third_partys():
    from tests.wrappers.test_wrappers import MULTICALL3, aggregate3

    # Multicall3 CALLed (not delegatecalled): the swap's msg.sender is Multicall3, and "to the caller" means to it
    data = aggregate3((V3_ROUTER, sig("unwrapWETH9(uint256)", ["uint256"], [10**15])))
    report = review(MULTICALL3, data)
    assert ("PROCEEDS_TO_THIRD_PARTY", C, "0.0") in triples(report)
