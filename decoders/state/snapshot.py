"""The snapshot file: what the courier carries across the air gap, read strictly and within bounds.

One RLP list (RLP because the header and every trie node already are RLP; no new dependency):

    [MAGIC, chainId, headerRlp, blockHash, safe, safeTxHash, executor, blockTag, endpointsAgreed,
     endpointsAsked, [trie node, ...], [code, ...], [[address, [slot, ...]], ...]]

* blockHash is the hash every endpoint gave for the block; keccak256(headerRlp) must equal it;

* the trie nodes are the witness: every node of every account and storage proof, each once;
* codes are the runtime code of the accounts read, except code the review machine already holds
  (the bundled Safe singletons and libraries): an account's code hash names it either way;
* the reads say which accounts and storage slots the courier's run used. They are claims, not
  facts: every one is proven against the header's state root (proof.py), and the run itself can
  only see what the witness proves (run.py).

Integers are minimal big-endian (RLP's own convention); a leading zero byte is refused, so one
snapshot has exactly one encoding. Bounds are in docs/bounds.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from rlp.exceptions import DecodingError

from ..errors import PayloadError

MAGIC = b"coldsight-state/1"
MAX_BYTES = 4 * 1024 * 1024      # a whole snapshot file
MAX_NODES = 20_000               # trie nodes in the witness
MAX_NODE_BYTES = 1024            # a branch node is at most 17 x 33 bytes + list prefix (< 600)
MAX_CODES = 512
MAX_CODE_BYTES = 49_152          # twice EIP-170's 24,576 (a future limit raise); code above is refused
MAX_ACCOUNTS = 4096
MAX_SLOTS = 32_768               # storage slots, all accounts together
MAX_HEADER_BYTES = 2048
MAX_TAG_BYTES = 32


class SnapshotError(PayloadError):
    """The snapshot file cannot be read (CLI exit 3)."""

    code = "STATE_INVALID"


@dataclass(frozen=True)
class Snapshot:
    chain_id: int
    header: bytes                                  # the block header, RLP
    block_hash: bytes                              # what the endpoints said the block's hash is
    safe: bytes                                    # 20 bytes
    safe_tx_hash: bytes                            # 32 bytes: the transaction it was made for
    executor: bytes                                # 20 bytes: msg.sender/tx.origin of execTransaction
    block_tag: str                                 # "finalized", "latest" or a number the courier was given
    endpoints_agreed: int
    endpoints_asked: int
    nodes: tuple[bytes, ...]
    codes: tuple[bytes, ...]
    reads: tuple[tuple[bytes, tuple[int, ...]], ...]  # (address, storage slots read)

    def encode(self) -> bytes:
        return rlp.encode([
            MAGIC, _int(self.chain_id), self.header, self.block_hash, self.safe, self.safe_tx_hash, self.executor,
            self.block_tag.encode("ascii"), _int(self.endpoints_agreed), _int(self.endpoints_asked),
            list(self.nodes), list(self.codes),
            [[address, [_int(slot) for slot in slots]] for address, slots in self.reads]])


def _int(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""


def _uint(item: object, where: str, bits: int = 256) -> int:
    raw = _bytes(item, where, max_len=bits // 8)
    if raw[:1] == b"\0":
        raise SnapshotError("an integer with a leading zero byte (not minimal)", where)
    return int.from_bytes(raw, "big")


def _bytes(item: object, where: str, *, max_len: int | None = None, exact: int | None = None) -> bytes:
    if not isinstance(item, bytes):
        raise SnapshotError("expected a byte string, found a list", where)
    if exact is not None and len(item) != exact:
        raise SnapshotError(f"expected {exact} bytes, found {len(item)}", where)
    if max_len is not None and len(item) > max_len:
        raise SnapshotError(f"{len(item)} bytes, more than the {max_len} allowed", where)
    return item


def _list(item: object, where: str, max_items: int) -> list:
    if not isinstance(item, list):
        raise SnapshotError("expected a list, found a byte string", where)
    if len(item) > max_items:
        raise SnapshotError(f"{len(item)} items, more than the {max_items} allowed", where)
    return item


MAX_DEPTH = 4  # top list > reads > [address, slots] > slots
MAX_NODE_DEPTH = 8  # a branch holds embedded nodes (< 32 bytes each), which hold at most one more list


def check_nesting(data: bytes, where: str, max_depth: int = MAX_DEPTH) -> None:
    """Walk the RLP headers without recursion and refuse lists nested deeper than MAX_DEPTH (the
    RLP library decodes recursively: deep nesting would exhaust Python's stack before any check)."""
    ends = [len(data)]  # where each open list ends; the outermost "list" is the whole input
    position = 0
    while position < len(data):
        while position >= ends[-1] and len(ends) > 1:
            ends.pop()
        head = data[position]
        if head < 0xB8 or 0xC0 <= head < 0xF8:
            length = 0 if head < 0x80 else (head - 0x80 if head < 0xC0 else head - 0xC0)
            header = 1 if head >= 0x80 else 0
            if head < 0x80:
                position += 1
                continue
        else:
            size = (head - 0xB7) if head < 0xC0 else (head - 0xF7)
            length = int.from_bytes(data[position + 1: position + 1 + size], "big")
            header = 1 + size
        if head >= 0xC0:
            ends.append(position + header + length)
            if len(ends) - 1 > max_depth:
                raise SnapshotError(f"lists nested deeper than {max_depth}", f"{where} at byte {position}")
            position += header
        else:
            position += header + length


def read_snapshot(data: bytes, where: str = "snapshot") -> Snapshot:
    """Parse a snapshot file strictly; SnapshotError names what is wrong and where."""
    if len(data) > MAX_BYTES:
        raise SnapshotError(f"{len(data)} bytes, more than the {MAX_BYTES} a snapshot may have", where)
    check_nesting(data, where)
    try:
        items = rlp.decode(data, strict=True)
    except DecodingError as err:
        raise SnapshotError(f"not a snapshot (RLP: {err})", where) from None
    top = _list(items, where, 13)
    if len(top) != 13 or top[0] != MAGIC:
        raise SnapshotError(f"not a Coldsight state snapshot (expected a {MAGIC.decode()} list of 13 items)", where)
    block_hash = _bytes(top[3], f"{where}.blockHash", exact=32)
    top = top[:3] + top[4:]
    tag = _bytes(top[6], f"{where}.blockTag", max_len=MAX_TAG_BYTES)
    if not tag.isascii() or not tag.decode().replace("0x", "").isalnum():
        raise SnapshotError("the block tag is not a plain word or number", f"{where}.blockTag")
    nodes = tuple(_bytes(node, f"{where}.nodes[{i}]", max_len=MAX_NODE_BYTES)
                  for i, node in enumerate(_list(top[9], f"{where}.nodes", MAX_NODES)))
    for i, node in enumerate(nodes):  # a node is a list of strings and short embedded nodes
        check_nesting(node, f"{where}.nodes[{i}]", MAX_NODE_DEPTH)
    if len(set(nodes)) != len(nodes):
        raise SnapshotError("a trie node appears twice (the witness is deduplicated)", f"{where}.nodes")
    codes = tuple(_bytes(code, f"{where}.codes[{i}]", max_len=MAX_CODE_BYTES)
                  for i, code in enumerate(_list(top[10], f"{where}.codes", MAX_CODES)))
    if len(set(codes)) != len(codes):
        raise SnapshotError("a code appears twice", f"{where}.codes")
    reads = []
    slot_count = 0
    for i, entry in enumerate(_list(top[11], f"{where}.reads", MAX_ACCOUNTS)):
        pair = _list(entry, f"{where}.reads[{i}]", 2)
        if len(pair) != 2:
            raise SnapshotError("expected [address, [slot, ...]]", f"{where}.reads[{i}]")
        address = _bytes(pair[0], f"{where}.reads[{i}].address", exact=20)
        raw_slots = _list(pair[1], f"{where}.reads[{i}].slots", MAX_SLOTS)
        slot_count += len(raw_slots)
        if slot_count > MAX_SLOTS:
            raise SnapshotError(f"more than {MAX_SLOTS} storage slots", f"{where}.reads")
        slots = tuple(_uint(s, f"{where}.reads[{i}].slots[{j}]") for j, s in enumerate(raw_slots))
        if len(set(slots)) != len(slots):
            raise SnapshotError("a slot is listed twice", f"{where}.reads[{i}].slots")
        reads.append((address, slots))
    if len({a for a, _ in reads}) != len(reads):
        raise SnapshotError("an account is listed twice", f"{where}.reads")
    agreed = _uint(top[7], f"{where}.endpointsAgreed", 32)
    asked = _uint(top[8], f"{where}.endpointsAsked", 32)
    if not 1 <= agreed <= asked:
        raise SnapshotError(f"{agreed} of {asked} endpoints agreed: the courier needs at least one, and all it asked",
                            f"{where}.endpointsAgreed")
    if agreed != asked:
        raise SnapshotError(f"only {agreed} of the {asked} endpoints asked agreed on the block", f"{where}.endpointsAgreed")
    chain_id = _uint(top[1], f"{where}.chainId")
    if chain_id == 0:
        raise SnapshotError("chain id 0", f"{where}.chainId")
    return Snapshot(
        chain_id=chain_id,
        header=_bytes(top[2], f"{where}.header", max_len=MAX_HEADER_BYTES), block_hash=block_hash,
        safe=_bytes(top[3], f"{where}.safe", exact=20),
        safe_tx_hash=_bytes(top[4], f"{where}.safeTxHash", exact=32),
        executor=_bytes(top[5], f"{where}.executor", exact=20),
        block_tag=tag.decode(), endpoints_agreed=agreed, endpoints_asked=asked,
        nodes=nodes, codes=codes, reads=tuple(reads))
