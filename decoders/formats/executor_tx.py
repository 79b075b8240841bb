"""The executor's transaction: an Ethereum transaction whose call is `execTransaction` on a Safe.

The account that submits a signed Safe transaction signs an ordinary Ethereum transaction; an
`eth-sign-request` (EIP-4527) carries it as data type 1 (legacy RLP, EIP-155 for a chain id) or 4
(EIP-2718 typed: 0x01 EIP-2930, 0x02 EIP-1559). Layouts from those EIPs:

    legacy     rlp([nonce, gasPrice, gasLimit, to, value, data])  or  (…, chainId, 0, 0) with EIP-155
    0x01 ||    rlp([chainId, nonce, gasPrice, gasLimit, to, value, data, accessList])
    0x02 ||    rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList])

RLP is read strictly (shortest length prefixes, no leading zeros in integers, nothing after the
item): two encodings of one transaction never pass. The call data must be exactly
`execTransaction(...)` of safe-smart-account (all versions share it); the embedded SafeTx and its
packed signatures become an ordinary Payload for the Safe at `to`, so it is verified in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from ..abi import bundled_registry, decode_arguments
from ..errors import DecodeError, PayloadError
from ..hexutil import keccak, to_checksum
from ..safetx import AttachedSignature, Payload, SafeTx

EXEC_TRANSACTION = ("execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)")
MAX_RLP_DEPTH = 4


@dataclass(frozen=True)
class ExecutorTx:
    kind: str  # "legacy", "eip2930", "eip1559"
    chain_id: int | None
    nonce: int
    to: str
    value: int
    data: bytes
    gas_limit: int
    fees: dict  # gasPrice, or maxPriorityFeePerGas / maxFeePerGas


# ---- strict RLP ----------------------------------------------------------------------------

def _length(raw: bytes, start: int, size: int, where: str) -> int:
    if start + size > len(raw):
        raise PayloadError("RLP length prefix runs past the end", where)
    encoded = raw[start:start + size]
    if encoded[0] == 0:
        raise PayloadError("RLP length has a leading zero (not canonical)", where)
    length = int.from_bytes(encoded, "big")
    if length < 56:
        raise PayloadError("RLP long form used for a short item (not canonical)", where)
    return length


def _item(raw: bytes, pos: int, where: str, depth: int) -> tuple[object, int]:
    if pos >= len(raw):
        raise PayloadError("RLP ends early", where)
    prefix = raw[pos]
    if prefix < 0x80:
        return raw[pos:pos + 1], pos + 1
    if prefix <= 0xB7:
        size, start = prefix - 0x80, pos + 1
        if size == 1 and start < len(raw) and raw[start] < 0x80:
            raise PayloadError("RLP single byte below 0x80 wrapped in a string (not canonical)", where)
    elif prefix <= 0xBF:
        width = prefix - 0xB7
        size, start = _length(raw, pos + 1, width, where), pos + 1 + width
    else:
        if depth >= MAX_RLP_DEPTH:
            raise PayloadError("RLP lists nested too deep", where)
        if prefix <= 0xF7:
            size, start = prefix - 0xC0, pos + 1
        else:
            width = prefix - 0xF7
            size, start = _length(raw, pos + 1, width, where), pos + 1 + width
        end = start + size
        if end > len(raw):
            raise PayloadError("RLP list runs past the end", where)
        items: list[object] = []
        cursor = start
        while cursor < end:
            item, cursor = _item(raw[:end], cursor, f"{where}[{len(items)}]", depth + 1)
            items.append(item)
        return items, end
    end = start + size
    if end > len(raw):
        raise PayloadError("RLP string runs past the end", where)
    return raw[start:end], end


def rlp_decode(raw: bytes, where: str) -> object:
    item, end = _item(raw, 0, where, 0)
    if end != len(raw):
        raise PayloadError(f"{len(raw) - end} byte(s) after the RLP item", where)
    return item


def _int(value: object, where: str) -> int:
    if not isinstance(value, bytes):
        raise PayloadError("expected an RLP integer, got a list", where)
    if value[:1] == b"\x00":
        raise PayloadError("RLP integer has a leading zero (not canonical)", where)
    if len(value) > 32:
        raise PayloadError("RLP integer longer than 32 bytes", where)
    return int.from_bytes(value, "big")


def _address(value: object, where: str) -> str:
    if not isinstance(value, bytes) or len(value) != 20:
        raise PayloadError("`to` must be a 20-byte address (a contract creation cannot execute a Safe transaction)", where)
    return to_checksum(value)


# ---- transactions ------------------------------------------------------------------------------

def decode_transaction(raw: bytes, typed: bool, where: str) -> ExecutorTx:
    """Decode an unsigned transaction: legacy RLP (`typed` False) or an EIP-2718 envelope."""
    if not typed:
        fields = rlp_decode(raw, where)
        if not isinstance(fields, list) or len(fields) not in (6, 9):
            raise PayloadError("a legacy transaction to sign has 6 fields (or 9 with EIP-155)", where)
        chain_id = None
        if len(fields) == 9:
            chain_id = _int(fields[6], f"{where} chainId")
            if _int(fields[7], f"{where} r") or _int(fields[8], f"{where} s"):
                raise PayloadError("an EIP-155 transaction to sign has r = s = 0", where)
        nonce, gas_price, gas, to, value, data = fields[:6]
        return ExecutorTx("legacy", chain_id, _int(nonce, f"{where} nonce"), _address(to, f"{where} to"),
                          _int(value, f"{where} value"), _bytes(data, f"{where} data"), _int(gas, f"{where} gasLimit"),
                          {"gasPrice": _int(gas_price, f"{where} gasPrice")})
    if not raw:
        raise PayloadError("empty typed transaction", where)
    kind, body = raw[0], raw[1:]
    fields = rlp_decode(body, where)
    if kind == 0x01 and isinstance(fields, list) and len(fields) == 8:
        chain, nonce, gas_price, gas, to, value, data, _access = fields
        fees = {"gasPrice": _int(gas_price, f"{where} gasPrice")}
        name = "eip2930"
    elif kind == 0x02 and isinstance(fields, list) and len(fields) == 9:
        chain, nonce, tip, max_fee, gas, to, value, data, _access = fields
        fees = {"maxPriorityFeePerGas": _int(tip, f"{where} maxPriorityFeePerGas"),
                "maxFeePerGas": _int(max_fee, f"{where} maxFeePerGas")}
        name = "eip1559"
    else:
        raise PayloadError(f"typed transaction 0x{kind:02x} with {len(fields) if isinstance(fields, list) else 0} "
                           "fields is not an unsigned EIP-2930 (0x01, 8 fields) or EIP-1559 (0x02, 9 fields) transaction",
                           where)
    return ExecutorTx(name, _int(chain, f"{where} chainId"), _int(nonce, f"{where} nonce"), _address(to, f"{where} to"),
                      _int(value, f"{where} value"), _bytes(data, f"{where} data"), _int(gas, f"{where} gasLimit"), fees)


def _bytes(value: object, where: str) -> bytes:
    if not isinstance(value, bytes):
        raise PayloadError("expected RLP bytes, got a list", where)
    return value


_T = TypeVar("_T")


def _decoded(args: dict[str, object], name: str, kind: type[_T]) -> _T:
    """An execTransaction argument as the strict ABI decoder returns it (address: str, uint: int, bytes: bytes)."""
    value = args[name]
    assert isinstance(value, kind), (name, type(value))
    return value


def payload_from_executor_tx(tx: ExecutorTx, safe_nonce: int, request_chain_id: int | None, source: str) -> Payload:
    """The Safe transaction the executor's transaction would execute, with its packed signatures.

    execTransaction carries no nonce (the Safe uses its current one), so the caller must say which
    nonce the signers signed: the hashes and the signature check depend on it."""
    where = f"{source} (executor transaction)"
    function = next((f for f in bundled_registry().candidates(keccak(EXEC_TRANSACTION.encode())[:4])
                     if f.canonical == EXEC_TRANSACTION), None)
    if function is None or tx.data[:4] != function.selector:
        raise PayloadError("the transaction does not call execTransaction on a Safe; Coldsight reviews Safe transactions",
                           where)
    try:
        args = {a.name: a.value for a in decode_arguments(function, tx.data)}
    except DecodeError as err:
        raise PayloadError(f"execTransaction call data does not decode strictly: {err.message}", where) from None
    if request_chain_id is not None and tx.chain_id is not None and request_chain_id != tx.chain_id:
        raise PayloadError(f"the request says chain id {request_chain_id} but the transaction says {tx.chain_id}", where,
                           "a wallet signs for the transaction's chain; do not sign until the two agree")
    chain_id = tx.chain_id if tx.chain_id is not None else request_chain_id
    safe_tx = SafeTx(to=_decoded(args, "to", str), value=_decoded(args, "value", int), data=_decoded(args, "data", bytes),
                     operation=_decoded(args, "operation", int), safe_tx_gas=_decoded(args, "safeTxGas", int),
                     base_gas=_decoded(args, "baseGas", int), gas_price=_decoded(args, "gasPrice", int),
                     gas_token=_decoded(args, "gasToken", str), refund_receiver=_decoded(args, "refundReceiver", str),
                     nonce=safe_nonce)
    fees = ", ".join(f"{k} {v}" for k, v in tx.fees.items())
    notes = [f"executor transaction ({tx.kind}): to {tx.to} (the Safe), value {tx.value}, nonce {tx.nonce}, "
             f"gas limit {tx.gas_limit}, {fees}, chain id {chain_id if chain_id is not None else 'none (replayable)'}",
             f"execTransaction call data keccak256: 0x{keccak(tx.data).hex()}",
             f"the Safe nonce {safe_nonce} was given for this review: execTransaction carries none (the Safe uses its "
             "current nonce), and the hashes and signature checks depend on it"]
    signatures = [AttachedSignature(signature=_decoded(args, "signatures", bytes), claimed_owner=None, where=f"{where}: signatures")] \
        if args["signatures"] else []
    return Payload(tx=safe_tx, format="ur:eth-sign-request executor-transaction", safe=tx.to, chain_id=chain_id,
                   signatures=signatures, notes=notes, executor_value=tx.value)


def parse_executor_request(text: str, safe_nonce: int, source: str) -> Payload:
    """An `ur:eth-sign-request` (text, one or many parts) of data type 1 or 4 -> the Safe transaction inside."""
    from ..ur.eip4527 import EthDataType, EthSignRequest  # the UR codec loads when a UR arrives
    from .ur_format import assemble_ur

    ur = assemble_ur(text.strip(), source)
    if ur.type != "eth-sign-request":
        raise PayloadError(f"expected ur:eth-sign-request, got ur:{ur.type}", source)
    request = EthSignRequest.from_cbor(ur.cbor)
    if request.data_type not in (EthDataType.LEGACY_TRANSACTION, EthDataType.TYPED_TRANSACTION):
        raise PayloadError(f"this eth-sign-request holds data type {int(request.data_type)}, not a transaction "
                           "(1 legacy, 4 typed); review it without --executor-nonce", source)
    where = f"{source} (ur:eth-sign-request)"
    tx = decode_transaction(request.sign_data, request.data_type is EthDataType.TYPED_TRANSACTION, where)
    return payload_from_executor_tx(tx, safe_nonce, request.chain_id, source)
