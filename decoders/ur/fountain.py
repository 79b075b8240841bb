"""Fountain codes for multipart URs (Blockchain Commons BCR-2020-005), encoder and decoder.

The encoder splits a message into `seq_len` equal fragments. Parts 1..seq_len carry one
fragment each; later parts carry the XOR of a pseudo-random subset whose choice both sides
derive from (seq_num, checksum). The fragment-choice functions must match the reference
(BlockchainCommons/bc-ur src/fountain-utils.cpp, random-sampler.cpp) exactly; the decoder is
our own: incremental Gaussian elimination over GF(2), so every part that carries new
information is used (the reference only reduces by subsets).

Untrusted input is bounded: a part's header must be self-consistent and within
MAX_MESSAGE_LEN / MAX_SEQ_LEN before anything is allocated for it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from enum import Enum

from decoders.errors import URError
from decoders.ur import strict_cbor
from decoders.ur.bytewords import crc32
from decoders.ur.xoshiro import Xoshiro256

# Largest message a multipart UR may assemble to. A Safe transaction (even a large MultiSend
# batch as JSON) is far below this; anything bigger is refused before memory is committed.
MAX_MESSAGE_LEN = 4 * 1024 * 1024
# Most fragments a message may be split into (bounds the per-part cost of choosing fragments).
MAX_SEQ_LEN = 10_000
_UINT32 = 0xFFFFFFFF


# --- deterministic fragment choice (must match the reference) -------------------------------


class RandomSampler:
    """Walker/Vose alias method, in the variant bc-ur uses (index lists built in reverse)."""

    def __init__(self, probabilities: list[float]):
        if not probabilities or any(p < 0 for p in probabilities):
            raise ValueError("probabilities must be non-empty and non-negative")
        total = 0.0
        for p in probabilities:  # left-to-right like the reference (not math.fsum / sum)
            total += p
        if total <= 0:
            raise ValueError("probabilities must not all be zero")
        n = len(probabilities)
        scaled = [p * float(n) / total for p in probabilities]
        small: list[int] = []
        large: list[int] = []
        for i in range(n - 1, -1, -1):
            (small if scaled[i] < 1 else large).append(i)
        probs = [0.0] * n
        aliases = [0] * n
        while small and large:
            a = small.pop()
            g = large.pop()
            probs[a] = scaled[a]
            aliases[a] = g
            scaled[g] += scaled[a] - 1
            (small if scaled[g] < 1 else large).append(g)
        for i in large:
            probs[i] = 1.0
        for i in small:  # only reachable through rounding
            probs[i] = 1.0
        self._probs = probs
        self._aliases = aliases

    def next(self, next_double) -> int:
        r1 = next_double()
        r2 = next_double()
        i = int(float(len(self._probs)) * r1)
        return i if r2 < self._probs[i] else self._aliases[i]


@functools.lru_cache(maxsize=8)
def _degree_sampler(seq_len: int) -> RandomSampler:
    return RandomSampler([1.0 / i for i in range(1, seq_len + 1)])


def choose_degree(seq_len: int, rng: Xoshiro256) -> int:
    """How many fragments a mixed part combines: 1..seq_len, weighted 1/degree."""
    return _degree_sampler(seq_len).next(rng.next_double) + 1


def shuffled(items: list, rng: Xoshiro256, take: int | None = None) -> list:
    """The reference's shuffle (repeatedly remove a random remaining item); `take` stops early."""
    remaining = list(items)
    count = len(remaining) if take is None else min(take, len(remaining))
    result = []
    for _ in range(count):
        index = rng.next_int(0, len(remaining) - 1)
        result.append(remaining.pop(index))
    return result


def choose_fragments(seq_num: int, seq_len: int, checksum: int) -> frozenset[int]:
    """The fragment indexes (0-based) that part `seq_num` XORs together."""
    if seq_num <= seq_len:
        return frozenset({seq_num - 1})
    rng = Xoshiro256(seq_num.to_bytes(4, "big") + checksum.to_bytes(4, "big"))
    degree = choose_degree(seq_len, rng)
    return frozenset(shuffled(list(range(seq_len)), rng, take=degree))


def find_nominal_fragment_length(message_len: int, min_fragment_len: int, max_fragment_len: int) -> int:
    """The smallest number of equal fragments whose length fits max_fragment_len."""
    if message_len <= 0 or min_fragment_len <= 0 or max_fragment_len < min_fragment_len:
        raise ValueError("need message_len > 0 and 0 < min_fragment_len <= max_fragment_len")
    max_fragment_count = message_len // min_fragment_len
    fragment_len = message_len  # a message shorter than min_fragment_len is one fragment
    for fragment_count in range(1, max_fragment_count + 1):
        fragment_len = math.ceil(message_len / fragment_count)
        if fragment_len <= max_fragment_len:
            break
    return fragment_len


def partition_message(message: bytes, fragment_len: int) -> list[bytes]:
    """Split into fragments of fragment_len bytes, zero-padding the last one."""
    fragments = [message[i : i + fragment_len] for i in range(0, len(message), fragment_len)]
    fragments[-1] = fragments[-1] + bytes(fragment_len - len(fragments[-1]))
    return fragments


def join_fragments(fragments: list[bytes], message_len: int) -> bytes:
    return b"".join(fragments)[:message_len]


def xor_bytes(a: bytes, b: bytes) -> bytes:
    if len(a) != len(b):
        raise ValueError("XOR of unequal lengths")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


# --- parts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FountainPart:
    seq_num: int
    seq_len: int
    message_len: int
    checksum: int
    data: bytes

    def to_cbor(self) -> bytes:
        return strict_cbor.encode([self.seq_num, self.seq_len, self.message_len, self.checksum, self.data])

    @classmethod
    def from_cbor(cls, cbor: bytes, where: str = "fountain part") -> "FountainPart":
        """Parse and bound-check a part's CBOR `[seqNum, seqLen, messageLen, checksum, data]`."""
        item = strict_cbor.decode(cbor, where=where, allowed_tags=frozenset())
        if not isinstance(item, list) or len(item) != 5:
            raise URError("a multipart fragment must be a CBOR array of 5 items", where)
        seq_num, seq_len, message_len, checksum, data = item
        for name, value in (("seqNum", seq_num), ("seqLen", seq_len), ("messageLen", message_len), ("checksum", checksum)):
            if type(value) is not int or not 0 <= value <= _UINT32:
                raise URError(f"{name} must be an unsigned 32-bit integer", where)
        if not isinstance(data, bytes):
            raise URError("fragment data must be a byte string", where)
        part = cls(seq_num, seq_len, message_len, checksum, data)
        part.check_bounds(where)
        return part

    def check_bounds(self, where: str = "fountain part") -> None:
        """Reject headers that are inconsistent or would need unreasonable memory."""
        if self.seq_num < 1:
            raise URError("seqNum must be at least 1", where)
        if self.seq_len < 1 or self.seq_len > MAX_SEQ_LEN:
            raise URError(f"seqLen {self.seq_len} is outside 1..{MAX_SEQ_LEN}", where)
        if self.message_len < 1 or self.message_len > MAX_MESSAGE_LEN:
            raise URError(f"messageLen {self.message_len} is outside 1..{MAX_MESSAGE_LEN} bytes", where)
        fragment_len = len(self.data)
        if fragment_len < 1 or math.ceil(self.message_len / fragment_len) != self.seq_len:
            raise URError(
                f"inconsistent header: {self.seq_len} fragments of {fragment_len} bytes "
                f"cannot hold exactly {self.message_len} bytes",
                where,
            )

    def describe(self) -> str:
        return (
            f"seqNum:{self.seq_num}, seqLen:{self.seq_len}, messageLen:{self.message_len}, "
            f"checksum:{self.checksum}, data:{self.data.hex()}"
        )


class FountainEncoder:
    """Produces an endless stream of parts; the first `seq_len` are the plain fragments."""

    def __init__(self, message: bytes, max_fragment_len: int, first_seq_num: int = 0, min_fragment_len: int = 10):
        if not message:
            raise URError("cannot encode an empty message")
        if len(message) > MAX_MESSAGE_LEN:
            raise URError(f"message of {len(message)} bytes exceeds {MAX_MESSAGE_LEN}")
        self.message_len = len(message)
        self.checksum = crc32(message)
        self.fragment_len = find_nominal_fragment_length(self.message_len, min_fragment_len, max_fragment_len)
        self.fragments = partition_message(bytes(message), self.fragment_len)
        if len(self.fragments) > MAX_SEQ_LEN:
            raise URError(f"{len(self.fragments)} fragments exceed {MAX_SEQ_LEN}; use larger fragments")
        self.seq_num = first_seq_num & _UINT32

    @property
    def seq_len(self) -> int:
        return len(self.fragments)

    @property
    def is_single_part(self) -> bool:
        return self.seq_len == 1

    @property
    def is_complete(self) -> bool:
        """True once every plain fragment has been emitted at least once."""
        return self.seq_num >= self.seq_len

    def next_part(self) -> FountainPart:
        self.seq_num = (self.seq_num + 1) & _UINT32
        indexes = choose_fragments(self.seq_num, self.seq_len, self.checksum)
        mixed = 0
        for index in indexes:
            mixed ^= int.from_bytes(self.fragments[index], "big")
        data = mixed.to_bytes(self.fragment_len, "big")
        return FountainPart(self.seq_num, self.seq_len, self.message_len, self.checksum, data)


# --- decoder ------------------------------------------------------------------------------


class PartOutcome(Enum):
    ACCEPTED = "accepted"  # added information
    DUPLICATE = "duplicate"  # valid, same message, nothing new
    FOREIGN = "foreign"  # valid part of a different message; state untouched


class FountainDecoder:
    """Assembles one message from parts in any order, with loss, repeats and mixed parts.

    Rows are kept in echelon form over GF(2): each row has a distinct pivot (its lowest
    fragment index) and fragment masks / data are Python ints, so XOR is one C operation.
    """

    def __init__(self) -> None:
        self._identity: tuple[int, int, int, int] | None = None  # seq_len, message_len, checksum, fragment_len
        self._rows: dict[int, tuple[int, int]] = {}  # pivot -> (mask, data)
        self._seen_seq_nums: set[int] = set()
        self._message: bytes | None = None
        self.parts_accepted = 0
        self.duplicate_count = 0
        self.foreign_count = 0

    # progress -----------------------------------------------------------------
    @property
    def seq_len(self) -> int:
        return self._identity[0] if self._identity else 0

    @property
    def rank(self) -> int:
        """Independent fragment combinations known; complete when equal to seq_len."""
        return self.seq_len if self._message is not None else len(self._rows)

    @property
    def is_complete(self) -> bool:
        return self._message is not None

    @property
    def message(self) -> bytes:
        if self._message is None:
            raise URError("the multipart message is not complete yet")
        return self._message

    def identity(self) -> tuple[int, int, int, int] | None:
        return self._identity

    @staticmethod
    def identity_of(part: FountainPart) -> tuple[int, int, int, int]:
        return (part.seq_len, part.message_len, part.checksum, len(part.data))

    # receiving ----------------------------------------------------------------
    def receive(self, part: FountainPart) -> PartOutcome:
        """Take one part. Raises URError for an invalid part or a message failing its checksum."""
        part.check_bounds()
        identity = self.identity_of(part)
        if self._identity is None:
            self._identity = identity
        elif identity != self._identity:
            self.foreign_count += 1
            return PartOutcome.FOREIGN
        if self._message is not None or part.seq_num in self._seen_seq_nums:
            self.duplicate_count += 1
            return PartOutcome.DUPLICATE
        mask = 0
        for index in choose_fragments(part.seq_num, part.seq_len, part.checksum):
            mask |= 1 << index
        if not self._insert(mask, int.from_bytes(part.data, "big")):
            self._remember(part.seq_num)
            self.duplicate_count += 1
            return PartOutcome.DUPLICATE
        self._remember(part.seq_num)
        self.parts_accepted += 1
        if len(self._rows) == part.seq_len:
            self._solve()
        return PartOutcome.ACCEPTED

    def _remember(self, seq_num: int) -> None:
        if len(self._seen_seq_nums) < 4 * MAX_SEQ_LEN:  # bounded; a forgotten one only costs a reduction
            self._seen_seq_nums.add(seq_num)

    def _insert(self, mask: int, data: int) -> bool:
        """Reduce a row by the existing pivots; keep it if anything is left."""
        rows = self._rows
        while mask:
            pivot = (mask & -mask).bit_length() - 1
            row = rows.get(pivot)
            if row is None:
                rows[pivot] = (mask, data)
                return True
            mask ^= row[0]
            data ^= row[1]
        return False  # linearly dependent on what we have: no new information

    def _solve(self) -> None:
        seq_len, message_len, checksum, fragment_len = self._identity  # type: ignore[misc]
        solved: list[int] = [0] * seq_len
        for pivot in range(seq_len - 1, -1, -1):  # back-substitution, highest pivot first
            mask, data = self._rows[pivot]
            rest = mask & ~(1 << pivot)
            while rest:
                low = rest & -rest
                data ^= solved[low.bit_length() - 1]
                rest ^= low
            solved[pivot] = data
        message = b"".join(value.to_bytes(fragment_len, "big") for value in solved)[:message_len]
        if crc32(message) != checksum:
            raise URError(
                "the assembled message fails its checksum: a part was corrupt or forged",
                "multipart UR",
                "rescan from the start",
            )
        self._message = message
        self._rows.clear()
