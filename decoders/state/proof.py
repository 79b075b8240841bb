"""The trust step: everything a snapshot claims is proven against its header, or it is refused.

* the block hash is keccak256(header RLP); the state root is the header's fourth field;
* every account and storage value listed as read is looked up through the witness, from the
  state root down: a node is found only by its keccak256, so an altered node is simply absent
  and the lookup fails (MissingTrieNode) -- refused, naming the account or slot;
* every witness node must lie on a proven path (an extra or altered node is refused);
* every code must hash to the code hash of a proven account.

What this does not prove: that the block is on the chain the signer means. The block hash is the
courier's word (and the agreement of the endpoints it asked) unless the signer compares it with an
independent source; every screen says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import rlp
from rlp.exceptions import DecodingError
from trie import HexaryTrie
from rlp.exceptions import RLPException
from trie.exceptions import InvalidNibbles, InvalidNode, MissingTrieNode
from trie.exceptions import ValidationError as TrieValidationError

from ..hexutil import keccak, to_checksum
from .snapshot import Snapshot, SnapshotError, check_nesting

# What a malformed (yet hash-reachable) trie node makes the trie library raise.
MALFORMED_NODE = (InvalidNode, InvalidNibbles, TrieValidationError, RLPException)
MALFORMED = (*MALFORMED_NODE, IndexError, TypeError, ValueError)  # around one isolated trie lookup
EMPTY_CODE_HASH = keccak(b"")
BLANK_ROOT = keccak(rlp.encode(b""))


class SnapshotRefused(SnapshotError):
    """The snapshot does not prove what it claims (CLI exit 3)."""

    code = "STATE_REFUSED"


@dataclass(frozen=True)
class Block:
    """The snapshot's block, from its header; `hash` is keccak256 of the header RLP."""

    chain_id: int
    number: int
    hash: bytes
    timestamp: int
    state_root: bytes
    coinbase: bytes
    gas_limit: int
    base_fee: int
    mix_hash: bytes
    block_tag: str
    endpoints_agreed: int
    endpoints_asked: int

    def as_json(self) -> dict:
        return {"chainId": str(self.chain_id), "number": self.number, "hash": "0x" + self.hash.hex(),
                "timestamp": self.timestamp, "stateRoot": "0x" + self.state_root.hex(), "blockTag": self.block_tag,
                "endpointsAgreed": self.endpoints_agreed, "endpointsAsked": self.endpoints_asked}


@dataclass(frozen=True)
class Account:
    nonce: int
    balance: int
    storage_root: bytes
    code_hash: bytes

    @property
    def has_code(self) -> bool:
        return self.code_hash != EMPTY_CODE_HASH


@dataclass
class Witness:
    """What an EVM run may see: trie nodes and codes, each keyed by its keccak256."""

    block: Block
    nodes: dict[bytes, bytes] = field(default_factory=dict)
    codes: dict[bytes, bytes] = field(default_factory=dict)


@dataclass
class ProvenState:
    snapshot: Snapshot
    witness: Witness
    accounts: dict[bytes, Account | None]      # None: proven absent
    storage: dict[tuple[bytes, int], int]

    @property
    def block(self) -> Block:
        return self.witness.block


def _uint(raw: object, where: str) -> int:
    if not isinstance(raw, bytes) or len(raw) > 32 or raw[:1] == b"\0":
        raise SnapshotRefused("not a minimal integer", where)
    return int.from_bytes(raw, "big")


def parse_header(header: bytes, snapshot: Snapshot, where: str = "snapshot.header") -> Block:
    """The block fields Coldsight uses, from the header RLP (London and later: 16 to 21 fields)."""
    check_nesting(header, where, 1)
    try:
        fields = rlp.decode(header, strict=True)
    except DecodingError as err:
        raise SnapshotRefused(f"the header is not RLP ({err})", where) from None
    if not isinstance(fields, list) or not 16 <= len(fields) <= 21 or not all(isinstance(f, bytes) for f in fields):
        raise SnapshotRefused("not a block header after London (a list of 16 to 21 byte strings)", where)
    for index, name, size in ((3, "stateRoot", 32), (2, "coinbase", 20), (13, "mixHash", 32)):
        if len(fields[index]) != size:
            raise SnapshotRefused(f"{name} is {len(fields[index])} bytes, not {size}", f"{where}.{name}")
    return Block(chain_id=snapshot.chain_id, number=_uint(fields[8], f"{where}.number"), hash=keccak(header),
                 timestamp=_uint(fields[11], f"{where}.timestamp"), state_root=fields[3], coinbase=fields[2],
                 gas_limit=_uint(fields[9], f"{where}.gasLimit"), base_fee=_uint(fields[15], f"{where}.baseFee"),
                 mix_hash=fields[13], block_tag=snapshot.block_tag, endpoints_agreed=snapshot.endpoints_agreed,
                 endpoints_asked=snapshot.endpoints_asked)


class _Seen(dict):
    """The witness as a trie database, remembering which nodes a lookup reached."""

    def __init__(self, nodes: dict[bytes, bytes]):
        super().__init__(nodes)
        self.reached: set[bytes] = set()

    def __getitem__(self, key: bytes) -> bytes:
        value = super().__getitem__(key)
        self.reached.add(key)
        return value


def decode_account(encoded: bytes, where: str) -> Account:
    check_nesting(encoded, where, 1)
    try:
        items = rlp.decode(encoded, strict=True)
    except DecodingError:
        items = None
    if not isinstance(items, list) or len(items) != 4 or not all(isinstance(i, bytes) for i in items) \
            or len(items[2]) != 32 or len(items[3]) != 32:
        raise SnapshotRefused("a proven account is not [nonce, balance, storageRoot, codeHash]", where)
    return Account(_uint(items[0], where), _uint(items[1], where), items[2], items[3])


def verify_snapshot(snapshot: Snapshot, known_codes: Iterable[bytes] = (), *, where: str = "snapshot") -> ProvenState:
    """Prove every claim of `snapshot` against its header, or raise SnapshotRefused naming the first
    that fails. `known_codes` are runtime codes the review machine already holds (bundled)."""
    block = parse_header(snapshot.header, snapshot, f"{where}.header")
    if block.hash != snapshot.block_hash:
        raise SnapshotRefused(f"the header hashes to 0x{block.hash.hex()}, not to the block hash the endpoints gave "
                              f"(0x{snapshot.block_hash.hex()}): the header was altered", f"{where}.header")
    db = _Seen({keccak(node): node for node in snapshot.nodes})
    state_trie = HexaryTrie(db, block.state_root)
    accounts: dict[bytes, Account | None] = {}
    storage: dict[tuple[bytes, int], int] = {}
    for address, slots in snapshot.reads:
        name = to_checksum(address)
        try:
            encoded = state_trie.get(keccak(address))
        except MissingTrieNode:
            raise SnapshotRefused(f"account {name}: its proof does not lead from the state root of block "
                                  f"{block.number} to a value (a trie node is missing or altered)",
                                  f"{where}.reads") from None
        except MALFORMED:
            raise SnapshotRefused(f"account {name}: a node on its proof is not a valid trie node", f"{where}.nodes") from None
        account = decode_account(encoded, f"{where}.reads[{name}]") if encoded else None
        accounts[address] = account
        if slots and account is None:
            raise SnapshotRefused(f"storage of {name} is listed, but the account does not exist at this block",
                                  f"{where}.reads")
        storage_trie = HexaryTrie(db, account.storage_root if account else BLANK_ROOT)
        for slot in slots:
            try:
                raw = storage_trie.get(keccak(slot.to_bytes(32, "big")))
            except MissingTrieNode:
                raise SnapshotRefused(f"storage slot {hex(slot)} of {name}: its proof does not lead from the "
                                      "account's storage root to a value (a trie node is missing or altered)",
                                      f"{where}.reads") from None
            except MALFORMED:
                raise SnapshotRefused(f"storage slot {hex(slot)} of {name}: a node on its proof is not a valid trie "
                                      "node", f"{where}.nodes") from None
            check_nesting(raw, f"{where}.reads", 0)
            try:
                value = rlp.decode(raw, strict=True) if raw else b""
            except DecodingError:
                value = None
            if not isinstance(value, bytes) or len(value) > 32 or value[:1] == b"\0":
                raise SnapshotRefused(f"storage slot {hex(slot)} of {name} does not hold a 32-byte word",
                                      f"{where}.reads")
            storage[(address, slot)] = int.from_bytes(value, "big")
    unused = len(db) - len(db.reached)
    if unused:
        raise SnapshotRefused(f"{unused} trie node(s) lie on no proven path: altered, or not part of this block's "
                              "state", f"{where}.nodes")
    code_hashes = {a.code_hash for a in accounts.values() if a is not None and a.has_code}
    codes: dict[bytes, bytes] = {}
    for index, code in enumerate(snapshot.codes):
        code_hash = keccak(code)
        if code_hash not in code_hashes:
            raise SnapshotRefused("a code that no proven account has (altered, or of another account or block)",
                                  f"{where}.codes[{index}]")
        codes[code_hash] = code
    for code in known_codes:
        code_hash = keccak(code)
        if code_hash in code_hashes:
            codes.setdefault(code_hash, code)
    witness = Witness(block=block, nodes=dict(db), codes=codes)
    return ProvenState(snapshot=snapshot, witness=witness, accounts=accounts, storage=storage)
