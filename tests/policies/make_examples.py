"""Regenerate the example payloads under policies/examples/payloads/ and re-sign the example
policies with the public example keys (signer 1 and 2 of policies/trust.toml).

    .venv/bin/python tests/policies/make_examples.py

Payloads are built with eth-abi / eth-utils and signed with eth-account, independently of
Coldsight's own encoders and signer.
"""

import json
from pathlib import Path

from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak, to_checksum_address

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "policies" / "examples"
PAYLOADS = EXAMPLES / "payloads"
ZERO = "0x0000000000000000000000000000000000000000"
MULTISEND_CALL_ONLY_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments, canonical
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def example_key(n: int) -> bytes:
    return keccak(text=f"coldsight example policy signer {n}")


def named(name: str) -> str:
    return to_checksum_address(keccak(text="coldsight example " + name)[:20])


def call(signature: str, types: list[str], values: list) -> bytes:
    return keccak(text=signature)[:4] + encode(types, values)


def multisend(entries: list[tuple[int, str, int, bytes]]) -> bytes:
    packed = b"".join(op.to_bytes(1, "big") + bytes.fromhex(to[2:]) + value.to_bytes(32, "big")
                      + len(data).to_bytes(32, "big") + data for op, to, value, data in entries)
    return call("multiSend(bytes)", ["bytes"], [packed])


def payload(safe: str, to: str, data: bytes = b"", value: int = 0, operation: int = 0, nonce: int = 1) -> dict:
    return {"safe": safe, "chainId": 1, "safeVersion": "1.4.1", "to": to, "value": str(value),
            "data": "0x" + data.hex(), "operation": operation, "safeTxGas": "0", "baseGas": "0", "gasPrice": "0",
            "gasToken": ZERO, "refundReceiver": ZERO, "nonce": nonce}


def transfer(to: str, amount: int) -> bytes:
    return call("transfer(address,uint256)", ["address", "uint256"], [to, amount])


PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"  # Uniswap/permit2 README: same address on every chain


def permit2_message(safe: str, spender: str, amount: int) -> dict:
    """A Safe message (Transaction Service shape) carrying a Permit2 PermitSingle (Uniswap/permit2 PermitHash.sol)."""
    typed = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                                        {"name": "verifyingContract", "type": "address"}],
                       "PermitDetails": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint160"},
                                         {"name": "expiration", "type": "uint48"}, {"name": "nonce", "type": "uint48"}],
                       "PermitSingle": [{"name": "details", "type": "PermitDetails"}, {"name": "spender", "type": "address"},
                                        {"name": "sigDeadline", "type": "uint256"}]},
             "primaryType": "PermitSingle", "domain": {"name": "Permit2", "chainId": 1, "verifyingContract": PERMIT2},
             "message": {"details": {"token": USDC, "amount": str(amount), "expiration": 1_893_456_000, "nonce": 0},
                         "spender": spender, "sigDeadline": 1_893_456_000}}
    return {"safe": safe, "chainId": 1, "safeVersion": "1.4.1", "message": typed}


def build() -> dict[str, dict]:
    treasury, admin = named("treasury-safe"), named("admin-safe")
    usdc = 10**6
    vault, impl2, rogue = named("vault-proxy"), named("vault-impl-v2"), named("rogue-impl")
    init = call("initializeV2(uint256,address)", ["uint256", "address"], [300, admin])
    routes = [(named("strategy-a"), 6000), (named("strategy-b"), 4000)]
    bad_routes = [(named("strategy-a"), 6000), (named("attacker"), 4000)]
    set_routes = lambda r: call("setRoutes((address,uint256)[])", ["(address,uint256)[]"], [r])  # noqa: E731
    return {
        "treasury-payroll-batch.json": payload(treasury, MULTISEND_CALL_ONLY_141, multisend([
            (0, USDC, 0, transfer(named("payroll"), 50_000 * usdc)),
            (0, USDC, 0, transfer(named("ops"), 20_000 * usdc))]), operation=1),
        "treasury-large-transfer.json": payload(treasury, USDC, transfer(named("payroll"), 150_000 * usdc)),
        "treasury-payroll-over-batch-cap.json": payload(treasury, MULTISEND_CALL_ONLY_141, multisend([
            (0, USDC, 0, transfer(named("payroll"), 250_000 * usdc)),
            (0, USDC, 0, transfer(named("ops"), 250_000 * usdc)),
            (0, USDC, 0, transfer(named("payroll"), 150_000 * usdc))]), operation=1),
        "treasury-unknown-recipient.json": payload(treasury, USDC, transfer(named("attacker"), 10 * usdc)),
        "treasury-eth-to-cold.json": payload(treasury, named("cold-storage"), value=10 * 10**18),
        "treasury-eth-too-much.json": payload(treasury, named("cold-storage"), value=500 * 10**18),
        "treasury-approve-attacker.json": payload(treasury, USDC, call(
            "approve(address,uint256)", ["address", "uint256"], [named("attacker"), 2**256 - 1])),
        "treasury-approve-ops.json": payload(treasury, USDC, call(
            "approve(address,uint256)", ["address", "uint256"], [named("ops"), 500_000 * usdc])),
        "treasury-delegatecall-attack.json": payload(treasury, named("attacker"), transfer(named("attacker"), 0), operation=1),
        "admin-upgrade-vault.json": payload(admin, vault, call(
            "upgradeToAndCall(address,bytes)", ["address", "bytes"], [impl2, init])),
        "admin-upgrade-rogue.json": payload(admin, vault, call(
            "upgradeToAndCall(address,bytes)", ["address", "bytes"], [rogue, init])),
        "admin-upgrade-oracle.json": payload(admin, named("proxy-admin"), call(
            "upgrade(address,address)", ["address", "address"], [named("oracle-proxy"), named("oracle-impl-v3")])),
        "admin-parameter-batch.json": payload(admin, MULTISEND_CALL_ONLY_141, multisend([
            (0, vault, 0, call("setFee(uint256)", ["uint256"], [250])),
            (0, vault, 0, set_routes(routes)),
            (0, vault, 0, call("pause()", [], []))]), operation=1),
        "admin-bad-route.json": payload(admin, MULTISEND_CALL_ONLY_141, multisend([
            (0, vault, 0, call("setFee(uint256)", ["uint256"], [250])),
            (0, vault, 0, set_routes(bad_routes))]), operation=1),
        "admin-transfer-ownership.json": payload(admin, vault, call(
            "transferOwnership(address)", ["address"], [named("attacker")])),
        **trading(),
    }


def trading() -> dict[str, dict]:
    """The trading Safe: swaps USDC through one router, pulls from its funding wallet, Permit2 for the router."""
    safe, router, funding = named("trading-safe"), named("swap-router"), named("funding-wallet")
    usdc = 10**6
    approve = lambda spender, amount: call("approve(address,uint256)", ["address", "uint256"], [spender, amount])  # noqa: E731
    swap = lambda amount: call("swapExactIn(uint256,uint256)", ["uint256", "uint256"], [amount, 1])  # noqa: E731
    pull = call("transferFrom(address,address,uint256)", ["address", "address", "uint256"], [funding, safe, 2_000_000 * usdc])
    return {
        "trading-swap-exact.json": payload(safe, MULTISEND_CALL_ONLY_141, multisend([
            (0, USDC, 0, approve(router, 895_749_250_000)), (0, router, 0, swap(895_749_250_000))]), operation=1),
        "trading-swap-leftover.json": payload(safe, MULTISEND_CALL_ONLY_141, multisend([
            (0, USDC, 0, approve(router, 1_000_000 * usdc)), (0, router, 0, swap(895_749_250_000))]), operation=1),
        "trading-pull-and-pay.json": payload(safe, MULTISEND_CALL_ONLY_141, multisend([
            (0, USDC, 0, pull), (0, USDC, 0, transfer(named("ops"), 90_000 * usdc))]), operation=1),
        "trading-permit2-router.json": permit2_message(safe, router, 20_000 * usdc),
        "trading-permit2-attacker.json": permit2_message(safe, named("attacker"), 10_000_000 * usdc),
    }


def sign_file(path: Path, signers: list[int]) -> None:
    data = path.read_bytes()
    lines = ['schema = "coldsight.policy-signatures/1"', ""]
    for n in signers:
        account = Account.from_key(example_key(n))
        signed = account.sign_message(encode_defunct(primitive=data))
        lines += ["[[signatures]]", f'signer = "{account.address}"', f'signature = "0x{bytes(signed.signature).hex()}"', ""]
    path.with_name(path.name + ".sig").write_text("\n".join(lines))


def main() -> None:
    PAYLOADS.mkdir(parents=True, exist_ok=True)
    for name, document in build().items():
        (PAYLOADS / name).write_text(json.dumps(document, indent=2) + "\n")
    for policy in ("treasury.toml", "protocol-admin.toml", "trading.toml"):
        sign_file(EXAMPLES / policy, [1, 2])


if __name__ == "__main__":
    main()
