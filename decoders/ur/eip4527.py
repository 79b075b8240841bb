"""EIP-4527 registry items (Keystone's ur-registry-eth) and the crypto-* items they reference.

Key numbers and tags, checked against @keystonehq/bc-ur-registry-eth 0.22.1
(src/EthSignRequest.ts, src/EthSignature.ts, src/RegistryType.ts), @keystonehq/bc-ur-registry
(src/CryptoKeypath.ts, CryptoHDKey.ts, CryptoAccount.ts, ScriptExpression.ts, RegistryType.ts)
and the ERC text https://eips.ethereum.org/EIPS/eip-4527:

  eth-sign-request (tag 401)   1 request-id #6.37(bytes16)  2 sign-data bytes  3 data-type 1..4
                               4 chain-id int  5 derivation-path #6.304(crypto-keypath)
                               6 address bytes20  7 origin text
  eth-signature (tag 402)      1 request-id #6.37(bytes16)  2 signature r||s||v  3 origin text
  crypto-keypath (tag 304)     1 components [index, hardened, ...] (index [] = wildcard)
                               2 source-fingerprint uint32  3 depth
  crypto-hdkey (tag 303)       1 is-master 2 is-private 3 key-data 4 chain-code 5 use-info #6.305
                               6 origin #6.304 7 children #6.304 8 parent-fingerprint 9 name 10 note
  crypto-account (tag 311)     1 master-fingerprint uint32  2 [crypto-output]
  crypto-output                script-expression tags (sh 400, wsh 401, pk 402, pkh 403, wpkh 404,
                               combo 405, multi 406, sortedmulti 407, raw 408, addr 307) around
                               #6.303 crypto-hdkey or #6.306 crypto-eckey
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from decoders.errors import URError
from decoders.ur import strict_cbor
from decoders.ur.strict_cbor import Tagged
from decoders.ur.ur import UR

TAG_UUID = 37
TAG_CRYPTO_HDKEY = 303
TAG_CRYPTO_KEYPATH = 304
TAG_CRYPTO_COIN_INFO = 305
TAG_CRYPTO_ECKEY = 306
TAG_ETH_SIGN_REQUEST = 401
TAG_ETH_SIGNATURE = 402
SCRIPT_EXPRESSION_TAGS = {400: "sh", 401: "wsh", 402: "pk", 403: "pkh", 404: "wpkh", 405: "combo",
                          406: "multi", 407: "sortedmulti", 408: "raw", 307: "addr"}

_HARDENED_BIT = 0x80000000
_MAX_SIGNATURE_LEN = 96  # r || s || v with v up to 32 bytes (EIP-155 v for very large chain ids)


class EthDataType(IntEnum):
    LEGACY_TRANSACTION = 1  # RLP of a legacy (pre-EIP-2718) transaction
    TYPED_DATA = 2  # EIP-712 typed data JSON
    PERSONAL_MESSAGE = 3  # eth_sign / personal_sign bytes
    TYPED_TRANSACTION = 4  # EIP-2718 typed transaction (e.g. EIP-1559)


# --- helpers -------------------------------------------------------------------------------


def _fail(message: str, where: str) -> URError:
    return URError(message, where)


def _as_map(item: object, where: str) -> dict:
    if not isinstance(item, dict):
        raise _fail("expected a CBOR map", where)
    for key in item:
        if type(key) is not int:
            raise _fail(f"map key {key!r} is not an integer", where)
    return item


def _check_keys(item: dict, allowed: set[int], where: str) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise _fail(f"unknown key(s) {unknown}", where)


def _untag(item: object, tag: int, where: str, required: bool = True) -> object:
    if isinstance(item, Tagged):
        if item.tag != tag:
            raise _fail(f"expected tag {tag}, found tag {item.tag}", where)
        return item.value
    if required:
        raise _fail(f"expected tag {tag}", where)
    return item


def _bytes(item: object, where: str, length: int | None = None) -> bytes:
    if not isinstance(item, bytes):
        raise _fail("expected a byte string", where)
    if length is not None and len(item) != length:
        raise _fail(f"expected {length} bytes, found {len(item)}", where)
    return item


def _uint(item: object, where: str, maximum: int | None = None) -> int:
    if type(item) is not int or item < 0:
        raise _fail("expected an unsigned integer", where)
    if maximum is not None and item > maximum:
        raise _fail(f"{item} is larger than {maximum}", where)
    return item


def _text(item: object, where: str) -> str:
    if not isinstance(item, str):
        raise _fail("expected a text string", where)
    return item


def _decode(cbor: bytes, where: str, tags: set[int]) -> object:
    return strict_cbor.decode(cbor, where, frozenset(tags))


# --- crypto-keypath ------------------------------------------------------------------------


@dataclass(frozen=True)
class PathComponent:
    index: int | None  # None: wildcard
    hardened: bool

    def text(self) -> str:
        return ("*" if self.index is None else str(self.index)) + ("'" if self.hardened else "")


@dataclass(frozen=True)
class KeyPath:
    components: tuple[PathComponent, ...]
    source_fingerprint: int | None = None
    depth: int | None = None

    @property
    def path(self) -> str:
        return "/".join(["m", *(c.text() for c in self.components)])

    @property
    def fingerprint_hex(self) -> str | None:
        return None if self.source_fingerprint is None else f"{self.source_fingerprint:08x}"

    @classmethod
    def parse(cls, path: str, source_fingerprint: int | None = None) -> "KeyPath":
        """From text like "m/44'/60'/0'/0/0" (h also marks hardened)."""
        parts = path.strip().split("/")
        if parts and parts[0] in ("m", "M"):
            parts = parts[1:]
        components = []
        for part in parts:
            hardened = part.endswith(("'", "h", "H"))
            digits = part[:-1] if hardened else part
            if digits == "*":
                components.append(PathComponent(None, hardened))
                continue
            if not digits.isdigit() or int(digits) >= _HARDENED_BIT:
                raise URError(f"invalid derivation path component '{part}'", "derivation path")
            components.append(PathComponent(int(digits), hardened))
        return cls(tuple(components), source_fingerprint)

    def to_item(self) -> Tagged:
        flat: list[object] = []
        for component in self.components:
            flat.append([] if component.index is None else component.index)
            flat.append(component.hardened)
        body: dict[int, object] = {1: flat}
        # Keystone omits a zero fingerprint (`if (this.sourceFingerprint)` on the buffer)
        if self.source_fingerprint is not None:
            body[2] = self.source_fingerprint
        if self.depth is not None:
            body[3] = self.depth
        return Tagged(TAG_CRYPTO_KEYPATH, body)

    @classmethod
    def from_item(cls, item: object, where: str) -> "KeyPath":
        body = _as_map(_untag(item, TAG_CRYPTO_KEYPATH, where), where)
        _check_keys(body, {1, 2, 3}, where)
        flat = body.get(1, [])
        if not isinstance(flat, list) or len(flat) % 2:
            raise _fail("path components must be pairs of [index, hardened]", where)
        components = []
        for i in range(0, len(flat), 2):
            index, hardened = flat[i], flat[i + 1]
            if type(hardened) is not bool:
                raise _fail(f"component {i // 2}: hardened flag must be true/false", where)
            if index == []:
                components.append(PathComponent(None, hardened))
            else:
                components.append(PathComponent(_uint(index, f"{where} component {i // 2}", _HARDENED_BIT - 1), hardened))
        fingerprint = _uint(body[2], f"{where} source-fingerprint", 0xFFFFFFFF) if 2 in body else None
        depth = _uint(body[3], f"{where} depth", 255) if 3 in body else None
        return cls(tuple(components), fingerprint, depth)


# --- eth-sign-request ----------------------------------------------------------------------


@dataclass(frozen=True)
class EthSignRequest:
    sign_data: bytes
    data_type: EthDataType
    derivation_path: KeyPath
    request_id: bytes | None = None
    chain_id: int | None = None
    address: bytes | None = None
    origin: str | None = None

    UR_TYPE = "eth-sign-request"

    @property
    def request_uuid(self) -> str | None:
        if self.request_id is None:
            return None
        h = self.request_id.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def to_cbor(self) -> bytes:
        """Encoded as Keystone does: integer keys ascending, absent/zero optional fields left out."""
        body: dict[int, object] = {}
        if self.request_id:
            body[1] = Tagged(TAG_UUID, self.request_id)
        body[2] = self.sign_data
        body[3] = int(self.data_type)
        if self.chain_id:
            body[4] = self.chain_id
        body[5] = self.derivation_path.to_item()
        if self.address:
            body[6] = self.address
        if self.origin:
            body[7] = self.origin
        return strict_cbor.encode(body)

    def to_ur(self) -> UR:
        return UR(self.UR_TYPE, self.to_cbor())

    @classmethod
    def from_cbor(cls, cbor: bytes) -> "EthSignRequest":
        where = "eth-sign-request"
        body = _as_map(_decode(cbor, where, {TAG_UUID, TAG_CRYPTO_KEYPATH}), where)
        _check_keys(body, {1, 2, 3, 4, 5, 6, 7}, where)
        for required, name in ((2, "sign-data"), (3, "data-type"), (5, "derivation-path")):
            if required not in body:
                raise _fail(f"missing key {required} ({name})", where)
        request_id = _bytes(_untag(body[1], TAG_UUID, f"{where} request-id"), f"{where} request-id", 16) if 1 in body else None
        sign_data = _bytes(body[2], f"{where} sign-data")
        raw_type = _uint(body[3], f"{where} data-type")
        try:
            data_type = EthDataType(raw_type)
        except ValueError:
            raise _fail(f"data-type {raw_type} is not one of 1..4", f"{where} data-type") from None
        chain_id = None
        if 4 in body:
            chain_id = body[4]
            if type(chain_id) is not int or chain_id <= 0:
                raise _fail("chain-id must be a positive integer", f"{where} chain-id")
        path = KeyPath.from_item(body[5], f"{where} derivation-path")
        address = _bytes(body[6], f"{where} address", 20) if 6 in body else None
        origin = _text(body[7], f"{where} origin") if 7 in body else None
        return cls(sign_data, data_type, path, request_id, chain_id, address, origin)


# --- eth-signature -------------------------------------------------------------------------


@dataclass(frozen=True)
class EthSignature:
    signature: bytes  # r (32) || s (32) || v (1 or more)
    request_id: bytes | None = None
    origin: str | None = None

    UR_TYPE = "eth-signature"

    @property
    def r(self) -> bytes:
        return self.signature[:32]

    @property
    def s(self) -> bytes:
        return self.signature[32:64]

    @property
    def v(self) -> int:
        return int.from_bytes(self.signature[64:], "big")

    def to_cbor(self) -> bytes:
        body: dict[int, object] = {}
        if self.request_id:
            body[1] = Tagged(TAG_UUID, self.request_id)
        body[2] = self.signature
        if self.origin:
            body[3] = self.origin
        return strict_cbor.encode(body)

    def to_ur(self) -> UR:
        return UR(self.UR_TYPE, self.to_cbor())

    @classmethod
    def from_cbor(cls, cbor: bytes) -> "EthSignature":
        where = "eth-signature"
        body = _as_map(_decode(cbor, where, {TAG_UUID}), where)
        _check_keys(body, {1, 2, 3}, where)
        if 2 not in body:
            raise _fail("missing key 2 (signature)", where)
        request_id = _bytes(_untag(body[1], TAG_UUID, f"{where} request-id"), f"{where} request-id", 16) if 1 in body else None
        signature = _bytes(body[2], f"{where} signature")
        if not 65 <= len(signature) <= _MAX_SIGNATURE_LEN:
            raise _fail(f"signature of {len(signature)} bytes; expected r||s||v of 65 or more", f"{where} signature")
        origin = _text(body[3], f"{where} origin") if 3 in body else None
        return cls(signature, request_id, origin)


# --- crypto-hdkey / crypto-account (display only) ------------------------------------------


@dataclass(frozen=True)
class CryptoHDKey:
    key_data: bytes
    chain_code: bytes | None = None
    is_master: bool = False
    is_private: bool = False
    origin: KeyPath | None = None
    children: KeyPath | None = None
    parent_fingerprint: int | None = None
    name: str | None = None
    note: str | None = None

    @property
    def master_fingerprint_hex(self) -> str | None:
        return self.origin.fingerprint_hex if self.origin else None

    def describe(self) -> str:
        parts = []
        if self.origin is not None:
            fp = self.origin.fingerprint_hex
            parts.append(f"[{fp}]{self.origin.path}" if fp else self.origin.path)
        parts.append(("private " if self.is_private else "") + "key " + self.key_data.hex())
        if self.name:
            parts.append(f"name {self.name!r}")
        return ", ".join(parts)

    @classmethod
    def from_item(cls, item: object, where: str) -> "CryptoHDKey":
        body = _as_map(_untag(item, TAG_CRYPTO_HDKEY, where, required=False), where)
        _check_keys(body, set(range(1, 11)), where)
        if 3 not in body:
            raise _fail("missing key 3 (key-data)", where)
        key = _bytes(body[3], f"{where} key-data")
        if len(key) not in (32, 33):
            raise _fail(f"key-data of {len(key)} bytes; expected 33 (public) or 32", f"{where} key-data")
        is_master = body.get(1, False) is True
        is_private = body.get(2, False) is True
        chain_code = _bytes(body[4], f"{where} chain-code", 32) if 4 in body else None
        origin = KeyPath.from_item(body[6], f"{where} origin") if 6 in body else None
        children = KeyPath.from_item(body[7], f"{where} children") if 7 in body else None
        parent = _uint(body[8], f"{where} parent-fingerprint", 0xFFFFFFFF) if 8 in body else None
        name = _text(body[9], f"{where} name") if 9 in body else None
        note = _text(body[10], f"{where} note") if 10 in body else None
        return cls(key, chain_code, is_master, is_private, origin, children, parent, name, note)

    @classmethod
    def from_cbor(cls, cbor: bytes) -> "CryptoHDKey":
        where = "crypto-hdkey"
        return cls.from_item(_decode(cbor, where, {TAG_CRYPTO_KEYPATH, TAG_CRYPTO_COIN_INFO}), where)


@dataclass(frozen=True)
class OutputDescriptor:
    script: tuple[str, ...]  # e.g. ("sh", "wpkh")
    hd_key: CryptoHDKey | None
    other: str | None = None  # a key kind we show but do not decode (eckey, multisig)

    def describe(self) -> str:
        inner = self.hd_key.describe() if self.hd_key else (self.other or "?")
        for name in reversed(self.script):
            inner = f"{name}({inner})"
        return inner


@dataclass(frozen=True)
class CryptoAccount:
    master_fingerprint: int
    outputs: tuple[OutputDescriptor, ...]

    @property
    def master_fingerprint_hex(self) -> str:
        return f"{self.master_fingerprint:08x}"

    @classmethod
    def from_cbor(cls, cbor: bytes) -> "CryptoAccount":
        where = "crypto-account"
        tags = {TAG_CRYPTO_HDKEY, TAG_CRYPTO_KEYPATH, TAG_CRYPTO_COIN_INFO, TAG_CRYPTO_ECKEY, *SCRIPT_EXPRESSION_TAGS}
        body = _as_map(_decode(cbor, where, tags), where)
        _check_keys(body, {1, 2}, where)
        if 1 not in body or 2 not in body:
            raise _fail("needs key 1 (master-fingerprint) and key 2 (output descriptors)", where)
        fingerprint = _uint(body[1], f"{where} master-fingerprint", 0xFFFFFFFF)
        if not isinstance(body[2], list):
            raise _fail("output descriptors must be an array", where)
        outputs = tuple(_output(item, f"{where} output {i}") for i, item in enumerate(body[2]))
        return cls(fingerprint, outputs)


def _output(item: object, where: str) -> OutputDescriptor:
    script: list[str] = []
    while isinstance(item, Tagged) and item.tag in SCRIPT_EXPRESSION_TAGS:
        script.append(SCRIPT_EXPRESSION_TAGS[item.tag])
        if item.tag in (406, 407):  # multikey: shown by name only
            return OutputDescriptor(tuple(script), None, "multisig keys")
        item = item.value
    if not script:
        raise _fail("output descriptor has no script expression tag", where)
    if isinstance(item, Tagged) and item.tag == TAG_CRYPTO_HDKEY:
        return OutputDescriptor(tuple(script), CryptoHDKey.from_item(item, where))
    if isinstance(item, Tagged) and item.tag == TAG_CRYPTO_ECKEY:
        return OutputDescriptor(tuple(script), None, "ec key")
    raise _fail("output descriptor key is neither crypto-hdkey nor crypto-eckey", where)


# --- dispatch ------------------------------------------------------------------------------

RegistryItem = EthSignRequest | EthSignature | CryptoHDKey | CryptoAccount
_DECODERS: dict[str, Callable[[bytes], RegistryItem]] = {
    "eth-sign-request": EthSignRequest.from_cbor,
    "eth-signature": EthSignature.from_cbor,
    "crypto-hdkey": CryptoHDKey.from_cbor,
    "crypto-account": CryptoAccount.from_cbor,
}


def decode_registry_item(ur: UR) -> RegistryItem:
    """Decode a UR of a type this module knows; URError names any other type."""
    decoder = _DECODERS.get(ur.type)
    if decoder is None:
        raise URError(f"UR type '{ur.type}' is not one Coldsight reads (known: {', '.join(_DECODERS)})", "UR")
    return decoder(ur.cbor)
