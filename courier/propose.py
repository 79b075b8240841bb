"""`coldsight-courier propose`: a new Safe transaction from a transfer, a Transaction Builder file or
a payload file, signed by the proposing owner and posted to the Safe Transaction Service.

What is proposed is built here from the chosen source, then read back through the same path every
listed transaction takes (decoders' recomputed safeTxHash with the chain's chain id and VERSION(),
the static review): the proposer signs the hash Coldsight computed, never one the service gives, and
a `block` preview is never signed. The service's copy is fetched back and cross-checked like any
pending transaction before the request QR is written.

Amounts on the command line are in the coin's or the token's own units ("1.5"), converted exactly
(no float): more decimals than the token has is an error, not a rounding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from decoders.hexutil import parse_address, to_checksum

from .chain import ZERO, Chain, SafeState, selector
from .errors import CourierError
from decoders.evm.bytecode import libraries
from decoders.formats import parse_bytes
from decoders.formats.tx_builder import builder_calls, checksum
from decoders.multisend import encode_packed

_AMOUNT = re.compile(r"^([0-9]+)(?:\.([0-9]+))?$")
BUILDER_LIBRARY = ("MultiSendCallOnly", "1.4.1")  # what Safe{Wallet} batches a Transaction Builder file with


@dataclass(frozen=True)
class Call:
    """What the Safe is asked to do (the SafeTx fields the proposer chooses; gas fields are zero)."""

    to: str
    value: int
    data: bytes
    operation: int
    described: str  # where it came from, for the printed summary
    safe_tx_gas: int = 0  # kept from a payload file; no refund is ever proposed (gasPrice 0)


def parse_amount(text: str, decimals: int, where: str) -> int:
    """ "1.5" in units with `decimals` decimals -> the exact integer; anything else is an error."""
    found = _AMOUNT.match(text.strip())
    if found is None:
        raise CourierError(f"{text!r} is not an amount (digits, optionally one '.' and more digits)", where)
    whole, fraction = found.group(1), found.group(2) or ""
    if len(fraction.rstrip("0")) > decimals:
        raise CourierError(f"{text!r} has more decimals than the {decimals} this asset has", where)
    fraction = fraction[:decimals].ljust(decimals, "0")
    amount = int(whole) * 10**decimals + (int(fraction) if fraction else 0)
    if amount >= 1 << 256:
        raise CourierError(f"{text!r} does not fit in 256 bits", where)
    return amount


def token_units(chain: Chain, token: str) -> tuple[str, int]:
    """(symbol, decimals) as the token contract answers them: the courier's display only (a contract
    can say anything; the offline review names tokens from its bundled list, not from this)."""
    def ask(signature: str, kind: str) -> object:
        answer = chain.call(chain.checksum(token), selector(signature))
        try:
            return abi_decode([kind], answer)[0]
        except Exception:
            raise CourierError(f"{signature} answered {len(answer)} byte(s) that do not decode as {kind}",
                               f"token {token}") from None

    decimals = ask("decimals()", "uint8")
    symbol = ask("symbol()", "string")
    printable = "".join(ch for ch in str(symbol) if ch.isalnum())[:12] or "?"
    return printable, int(str(decimals))


def transfer_call(chain: Chain, to: str, value: str, token: str | None) -> Call:
    """The native coin (`value` in its units, 18 decimals), or an ERC-20 transfer of `token`."""
    recipient = parse_address(to, "--to")  # a mistyped mixed-case address fails its EIP-55 checksum here
    if token is None:
        wei = parse_amount(value, 18, "--value")
        return Call(recipient, wei, b"", 0, f"transfer of {value} native coin ({wei} wei) to {recipient}")
    token = parse_address(token, "--token")
    symbol, decimals = token_units(chain, token)
    amount = parse_amount(value, decimals, "--value")
    data = selector("transfer(address,uint256)") + abi_encode(["address", "uint256"], [recipient, amount])
    return Call(token, 0, data, 0, f"transfer of {value} {symbol} ({amount} raw units, token {token}) to {recipient}")


def builder_call(document: dict, source: str, chain: Chain, state: SafeState) -> Call:
    """One call as it is; several as a MultiSendCallOnly 1.4.1 batch (delegatecall), as Safe{Wallet} does."""
    if str(document.get("chainId")) != str(state.chain_id):
        raise CourierError(f"the file is for chain {document.get('chainId')}, the node's chain is {state.chain_id}", source)
    made_for = document["meta"].get("createdFromSafeAddress")
    if isinstance(made_for, str) and made_for.lower() != state.safe.lower():
        raise CourierError(f"the file was made for Safe {made_for}, not {state.safe}", source)
    if document["meta"].get("checksum") != checksum(document):
        raise CourierError("the file's checksum does not match its content: it was edited after it was exported", source)
    calls = builder_calls(document)
    if not calls:
        raise CourierError("the file holds no transactions", source)
    if len(calls) == 1:
        only = calls[0]
        return Call(only.to, only.value, only.data, 0, f"{source} (1 call)")
    name, version = BUILDER_LIBRARY
    library = next(c for c in libraries() if c.name == name and c.version == version)
    address = library.preferred_address(state.chain_id)
    if address is None or not chain.w3.eth.get_code(chain.checksum(address)):
        raise CourierError(f"{name} {version} is not deployed on chain {state.chain_id}", source)
    batch = encode_packed([(0, call.to, call.value, call.data) for call in calls])
    data = selector("multiSend(bytes)") + abi_encode(["bytes"], [batch])
    return Call(to_checksum(bytes.fromhex(address[2:])), 0, data, 1,
                f"{source} ({len(calls)} calls in a {name} {version} batch)")


def payload_call(data: bytes, source: str, state: SafeState) -> tuple[Call, int]:
    """A payload file (any format `coldsight verify` reads): its SafeTx, and its nonce."""
    payload = parse_bytes(data, source)
    if payload.safe is not None and payload.safe.lower() != state.safe.lower():
        raise CourierError(f"the payload is for Safe {payload.safe}, not {state.safe}", source)
    if payload.chain_id is not None and payload.chain_id != state.chain_id:
        raise CourierError(f"the payload is for chain {payload.chain_id}, the node's chain is {state.chain_id}", source)
    tx = payload.tx
    if (tx.base_gas, tx.gas_price) != (0, 0) or tx.gas_token != ZERO or tx.refund_receiver != ZERO:
        raise CourierError("the payload asks for a gas refund (baseGas, gasPrice, gasToken or refundReceiver set); "
                           "propose only proposes transactions without one", source)
    return Call(tx.to, tx.value, tx.data, int(tx.operation), source, tx.safe_tx_gas), tx.nonce


def next_nonce(state: SafeState, pending: list[dict]) -> int:
    """After the chain's nonce and every queued transaction (as Safe{Wallet} picks it)."""
    queued = [int(tx.get("nonce", 0)) for tx in pending]
    return max([state.nonce, *(n + 1 for n in queued)])


def service_document(state: SafeState, call: Call, nonce: int) -> dict:
    """The proposal as the service will list it (the shape crosscheck.parse_service_tx reads)."""
    return {"safe": state.safe, "to": call.to, "value": str(call.value), "data": "0x" + call.data.hex() if call.data else None,
            "operation": call.operation, "safeTxGas": str(call.safe_tx_gas), "baseGas": "0", "gasPrice": "0", "gasToken": ZERO,
            "refundReceiver": ZERO, "nonce": nonce, "confirmations": []}


def proposal_body(document: dict, safe_tx_hash: bytes, sender: str, signature: bytes) -> dict:
    """The POST body of /api/v1/safes/{address}/multisig-transactions/."""
    return {"to": document["to"], "value": document["value"], "data": document["data"],
            "operation": document["operation"], "safeTxGas": int(document["safeTxGas"]), "baseGas": 0, "gasPrice": 0,
            "gasToken": ZERO, "refundReceiver": ZERO, "nonce": document["nonce"],
            "contractTransactionHash": "0x" + safe_tx_hash.hex(), "sender": sender,
            "signature": "0x" + signature.hex(), "origin": "coldsight-courier"}
