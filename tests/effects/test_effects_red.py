"""Red-team round on issue 18's classes: variants the first tests did not name.

Each case failed on main before its fix (verdict `ok` for something that hands value to whoever
moves first). Calldata from each protocol's published signature (see tests/effects/test_effects.py).
- Proceeds or payments to a contract anyone can make calls as (Multicall3, MultiSendCallOnly,
  CreateCall): what it holds after the transaction, the next caller takes. A bundled name does not
  make it an intermediary for what it RECEIVES.
- Native coin attached to a payable batch wrapper whose entries do not spend it (Multicall3
  aggregate, a router's re-entering multicall whose entries take no coin): it stays in that
  contract, where anyone can take it (Uniswap's refundETH, Multicall3's calls).
- A swap whose recipient is the router itself outside a multicall: the proceeds stay in the router,
  whose sweepToken/refundETH anyone can call.
"""

import pytest

from tests.core.peers import calldata
from tests.effects.test_effects import SAFE, STRANGER, USDC, V3_ROUTER, WETH, exact_input_single, review, triples, unwrap_weth9
from tests.wrappers.test_wrappers import aggregate3, multicall

C, W = "critical", "warn"
MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"  # mds1/multicall README (same address on every chain)
MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 multi_send_call_only.json
CREATE_CALL_141 = "0x9b35Af71d77eaf8d7e40252370304687390A1A52"  # safe-deployments v1.4.1 create_call.json


def transfer(to: str, amount: int = 10**6) -> bytes:
    return calldata("transfer(address,uint256)", ["address", "uint256"], [to, amount])


OPEN = {"Multicall3": MULTICALL3, "MultiSendCallOnly 1.4.1": MSCO_141, "CreateCall 1.4.1": CREATE_CALL_141}


@pytest.mark.parametrize("name", sorted(OPEN))
def test_payment_to_a_contract_anyone_can_call_as_is_not_an_intermediary(name):
    report = review(USDC, transfer(OPEN[name]))
    assert report.verdict != "ok", triples(report)
    party = report.effects.counterparty(OPEN[name])
    assert party is not None and party.judgement == "unknown" and "anyone" in (party.name or "")


@pytest.mark.parametrize("name", sorted(OPEN))
def test_swap_proceeds_to_a_contract_anyone_can_call_as_block(name):
    report = review(V3_ROUTER, exact_input_single(OPEN[name]))
    assert ("PROCEEDS_TO_THIRD_PARTY", C, "0") in triples(report)
    assert report.verdict == "block"


def test_value_attached_to_multicall3_aggregate_without_valued_entries_blocks():
    report = review(MULTICALL3, aggregate3((USDC, transfer(SAFE))), value=10**18)
    assert ("VALUE_NOT_NEEDED", C, "0") in triples(report)
    assert report.verdict == "block"


@pytest.mark.parametrize("entry", [unwrap_weth9(SAFE), calldata("sweepToken(address,uint256,address)",
                                                                  ["address", "uint256", "address"], [USDC, 0, SAFE])],
                         ids=["unwrapWETH9", "sweepToken"])
def test_value_left_in_a_router_multicall_whose_entries_take_no_coin_blocks(entry):
    report = review(V3_ROUTER, multicall(entry), value=10**18)
    assert ("VALUE_NOT_NEEDED", C, "0") in triples(report)
    assert report.verdict == "block"


def test_swap_proceeds_left_in_the_router_block():
    report = review(V3_ROUTER, exact_input_single(V3_ROUTER))
    assert ("PROCEEDS_TO_THIRD_PARTY", C, "0") in triples(report)


# ---- what must stay as it is ----------------------------------------------------------------------
def test_router_multicall_swap_from_native_with_refund_stays_ok():
    refund = calldata("refundETH()", [], [])
    swap = calldata("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
                    ["(address,address,uint24,address,uint256,uint256,uint256,uint160)"],
                    [(WETH, USDC, 500, SAFE, 2**40, 10**15, 10**6, 0)])
    report = review(V3_ROUTER, multicall(swap, refund), value=10**15)
    assert report.verdict == "ok", triples(report)


def test_router_multicall_swap_to_router_then_unwrap_to_safe_stays_ok():
    swap = calldata("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
                    ["(address,address,uint24,address,uint256,uint256,uint256,uint160)"],
                    [(USDC, WETH, 500, V3_ROUTER, 2**40, 10**6, 10**15, 0)])
    report = review(V3_ROUTER, multicall(swap, unwrap_weth9(SAFE)))
    assert report.verdict == "ok", triples(report)


def test_value_left_in_a_nested_router_multicall_blocks():
    report = review(V3_ROUTER, multicall(multicall(unwrap_weth9(SAFE))), value=10**18)
    assert ("VALUE_NOT_NEEDED", C, "0") in triples(report)


# Permit2's other transfer routes (Uniswap/permit2 src/interfaces/IAllowanceTransfer.sol,
# ISignatureTransfer.sol @cc56ad0): decoded from the bundled ABI, but had no knowledge, so `ok`.
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
PERMIT2_PAYMENTS = {
    "AllowanceTransfer batch transferFrom": calldata(
        "transferFrom((address,address,uint160,address)[])", ["(address,address,uint160,address)[]"],
        [[(SAFE, SAFE, 10, USDC), (SAFE, STRANGER, 10**6, USDC)]]),
    "SignatureTransfer permitTransferFrom": calldata(
        "permitTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes)",
        ["((address,uint256),uint256,uint256)", "(address,uint256)", "address", "bytes"],
        [((USDC, 10**6), 0, 2**40), (STRANGER, 10**6), SAFE, b"\x01" * 65]),
    "SignatureTransfer permitWitnessTransferFrom": calldata(
        "permitWitnessTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes32,string,bytes)",
        ["((address,uint256),uint256,uint256)", "(address,uint256)", "address", "bytes32", "string", "bytes"],
        [((USDC, 10**6), 0, 2**40), (STRANGER, 10**6), SAFE, b"\x03" * 32, "W", b"\x01" * 65]),
    "SignatureTransfer batch permitTransferFrom": calldata(
        "permitTransferFrom(((address,uint256)[],uint256,uint256),(address,uint256)[],address,bytes)",
        ["((address,uint256)[],uint256,uint256)", "(address,uint256)[]", "address", "bytes"],
        [([(USDC, 10**6)], 0, 2**40), [(STRANGER, 10**6)], SAFE, b"\x01" * 65]),
    "SignatureTransfer batch permitWitnessTransferFrom": calldata(
        "permitWitnessTransferFrom(((address,uint256)[],uint256,uint256),(address,uint256)[],address,bytes32,string,bytes)",
        ["((address,uint256)[],uint256,uint256)", "(address,uint256)[]", "address", "bytes32", "string", "bytes"],
        [([(USDC, 10**6)], 0, 2**40), [(STRANGER, 10**6)], SAFE, b"\x03" * 32, "W", b"\x01" * 65]),
}


@pytest.mark.parametrize("name", sorted(PERMIT2_PAYMENTS))
def test_permit2_transfer_routes_name_the_payee(name):
    report = review(PERMIT2, PERMIT2_PAYMENTS[name])
    assert report.verdict != "ok", triples(report)
    assert ("COUNTERPARTY_UNKNOWN", W, "0") in triples(report)
    assert [m.recipient for m in report.effects.assets if m.recipient == STRANGER]


# ERC-4626 vaults (EIP-4626; OpenZeppelin v5.0.2 contracts/interfaces/IERC4626.sol): a redeem or
# withdraw whose receiver is a stranger was only UNKNOWN_SELECTOR (no bundled ABI carried it).
VAULT = "0x83F20F44975D03b1b09e64809B757c47f942BEeA"  # stands for a vault (sDAI's address; no list here names it)
VAULT_CALLS = {
    "deposit receiver": ("deposit(uint256,address)", ["uint256", "address"], lambda r: [10**18, r]),
    "mint receiver": ("mint(uint256,address)", ["uint256", "address"], lambda r: [10**18, r]),
    "withdraw receiver": ("withdraw(uint256,address,address)", ["uint256", "address", "address"], lambda r: [10**18, r, SAFE]),
    "redeem receiver": ("redeem(uint256,address,address)", ["uint256", "address", "address"], lambda r: [10**18, r, SAFE]),
}


@pytest.mark.parametrize("name", sorted(VAULT_CALLS))
def test_erc4626_receiver_is_judged(name):
    text, types, values = VAULT_CALLS[name]
    to_stranger = review(VAULT, calldata(text, types, values(STRANGER)))
    assert ("PROCEEDS_TO_THIRD_PARTY", C, "0") in triples(to_stranger)
    to_self = review(VAULT, calldata(text, types, values(SAFE)))
    assert to_self.verdict == "ok", triples(to_self)


# ---- "self" by mimicry ----------------------------------------------------------------------------
# Any contract with an execTransaction / execTransactionFromModule entry point becomes an "account
# operated by this transaction" when the batch calls it, whatever its code (it can ignore the
# signatures). It must not make that contract "self" for what OTHER calls send it.
def _batch(*entries) -> bytes:
    from tests.core.peers import multisend, packed_entry
    return multisend(b"".join(packed_entry(0, to, 0, data) for to, data in entries))


def _review_batch(*entries):
    return review(MSCO_141, _batch(*entries), operation=1)


def test_a_fake_nested_safe_does_not_make_swap_proceeds_to_it_self():
    from tests.wrappers.test_wrappers import exec_transaction
    report = _review_batch((STRANGER, exec_transaction(USDC, transfer(SAFE, 0))), (V3_ROUTER, exact_input_single(STRANGER)))
    assert ("PROCEEDS_TO_THIRD_PARTY", C, "0.1") in triples(report)
    assert report.effects.counterparty(STRANGER).judgement == "unknown"


def test_a_fake_module_target_does_not_make_a_transfer_to_it_self():
    from tests.wrappers.test_wrappers import module_exec
    report = _review_batch((STRANGER, module_exec(USDC, b"")), (USDC, transfer(STRANGER, 10**12)))
    assert ("COUNTERPARTY_UNKNOWN", W, "0.1") in triples(report)
    assert report.verdict != "ok"


def test_a_nested_safes_own_swap_back_to_itself_stays_ok():
    from tests.wrappers.test_wrappers import CHILD_SAFE, exec_transaction
    report = review(CHILD_SAFE, exec_transaction(V3_ROUTER, exact_input_single(CHILD_SAFE)))
    assert report.verdict == "ok", triples(report)
    assert report.effects.counterparty(CHILD_SAFE).judgement == "self"


def test_a_fake_nested_safe_pulling_this_safes_tokens_to_itself_is_not_self():
    from tests.wrappers.test_wrappers import exec_transaction
    pull = calldata("transferFrom(address,address,uint256)", ["address", "address", "uint256"], [SAFE, STRANGER, 10**12])
    report = review(STRANGER, exec_transaction(USDC, pull))
    assert report.verdict != "ok", triples(report)
    assert report.effects.counterparty(STRANGER).judgement == "unknown"


# ---- Universal Router command streams (Uniswap/universal-router contracts/libraries/Commands.sol,
# modules/uniswap/... v1.6: each input is abi-encoded, recipient first for swaps and wraps) ----------
UR = "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD"  # Universal Router on Ethereum (universal-router deploy-addresses)


def _ur(commands: bytes, *inputs: bytes) -> bytes:
    return calldata("execute(bytes,bytes[],uint256)", ["bytes", "bytes[]", "uint256"], [commands, list(inputs), 2**40])


def _v3_in(recipient: str) -> bytes:
    from eth_abi import encode
    path = bytes.fromhex(USDC[2:]) + (500).to_bytes(3, "big") + bytes.fromhex(WETH[2:])
    return encode(["address", "uint256", "uint256", "bytes", "bool"], [recipient, 10**6, 1, path, True])


def _addr_amount(first: str, second, third: int) -> bytes:
    from eth_abi import encode
    return encode(["address", "address", "uint256"], [first, second, third])


UR_STREAMS = {
    "V3_SWAP_EXACT_IN to a stranger": _ur(b"\x00", _v3_in(STRANGER)),
    "SWEEP to a stranger": _ur(b"\x04", _addr_amount(USDC, STRANGER, 0)),
    "swap to the router, then UNWRAP_WETH to a stranger": _ur(b"\x00\x0c", _v3_in("0x" + "00" * 19 + "02"),
                                                              __import__("eth_abi").encode(["address", "uint256"], [STRANGER, 1])),
}


@pytest.mark.parametrize("name", sorted(UR_STREAMS))
def test_universal_router_recipients_are_judged(name):
    report = review(UR, UR_STREAMS[name])
    assert ("PROCEEDS_TO_THIRD_PARTY", C, "0") in triples(report), triples(report)


def test_universal_router_swap_to_the_caller_stays_warn_only_for_its_opacity():
    report = review(UR, _ur(b"\x00\x0c", _v3_in("0x" + "00" * 19 + "02"),
                            __import__("eth_abi").encode(["address", "uint256"], ["0x" + "00" * 19 + "01", 1])))
    assert report.verdict == "warn" and not [f for f in report.findings if f.severity == "critical"], triples(report)
