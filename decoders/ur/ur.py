"""Uniform Resources (Blockchain Commons BCR-2020-005): `ur:<type>/<bytewords>` texts.

Single part:  ur:<type>/<minimal bytewords of the CBOR>
Multipart:    ur:<type>/<seqNum>-<seqLen>/<minimal bytewords of a fountain part's CBOR>
Letter case is ignored on input (QR alphanumeric mode is upper case); output is upper case
by default for that reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from decoders.errors import URError
from decoders.ur import bytewords
from decoders.ur.fountain import FountainDecoder, FountainEncoder, FountainPart, PartOutcome

_TYPE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SEQ_RE = re.compile(r"^([0-9]{1,10})-([0-9]{1,10})$")
# Longest text we look at as one UR part: a version-40 QR holds at most 4,296 alphanumerics;
# single-part URs from files can be longer, so allow the largest whole message plus slack.
MAX_UR_TEXT_LEN = 2 * 4 * 1024 * 1024 + 1024


@dataclass(frozen=True)
class UR:
    """A typed CBOR payload: `type` as in the registry (e.g. "eth-sign-request"), `cbor` raw."""

    type: str
    cbor: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.type, str) or not _TYPE_RE.match(self.type):
            raise URError(f"invalid UR type {self.type!r} (lower-case letters, digits and '-')", "ur type")
        if not isinstance(self.cbor, (bytes, bytearray)) or not self.cbor:
            raise URError("UR content must be non-empty bytes", "ur body")


@dataclass(frozen=True)
class ParsedPart:
    """One UR text, split: `fountain_part` is None for a single-part UR."""

    type: str
    cbor: bytes | None = None
    fountain_part: FountainPart | None = None


def parse_part(text: str, where: str = "UR") -> ParsedPart:
    """Parse one `ur:` text (single or multipart) into its type and payload. Raises URError."""
    if not isinstance(text, str):
        raise URError("a UR must be text", where)
    if len(text) > MAX_UR_TEXT_LEN:
        raise URError(f"UR text of {len(text)} characters is too long", where)
    lowered = text.strip().lower()
    if not lowered.startswith("ur:"):
        raise URError("does not start with 'ur:'", where)
    components = lowered[3:].split("/")
    if len(components) not in (2, 3):
        raise URError(
            f"expected ur:<type>/<data> or ur:<type>/<n>-<total>/<data>, found {len(components)} path parts", where
        )
    ur_type = components[0]
    if not _TYPE_RE.match(ur_type):
        shown = ur_type[:40] if ur_type.isprintable() else repr(ur_type[:40])
        raise URError(f"invalid UR type '{shown}'", where)
    if len(components) == 2:
        cbor = bytewords.decode(components[1], where=f"{where} ({ur_type})")
        return ParsedPart(ur_type, cbor=cbor)
    match = _SEQ_RE.match(components[1])
    if not match:
        raise URError(f"sequence '{components[1][:24]}' is not <n>-<total>", where)
    seq_num, seq_len = int(match.group(1)), int(match.group(2))
    part_where = f"{where} ({ur_type} part {seq_num}-{seq_len})"
    cbor = bytewords.decode(components[2], where=part_where)
    part = FountainPart.from_cbor(cbor, where=part_where)
    if part.seq_num != seq_num or part.seq_len != seq_len:
        raise URError(
            f"the text says part {seq_num}-{seq_len} but its data says {part.seq_num}-{part.seq_len}", part_where
        )
    return ParsedPart(ur_type, fountain_part=part)


def decode_single(text: str, where: str = "UR") -> UR:
    """Decode a single-part UR text; a multipart part is an error here."""
    parsed = parse_part(text, where)
    if parsed.fountain_part is not None:
        raise URError("this is one part of a multipart UR; use URDecoder to collect all parts", where)
    return UR(parsed.type, parsed.cbor)  # type: ignore[arg-type]


def encode_single(ur: UR, uppercase: bool = True) -> str:
    text = f"ur:{ur.type}/{bytewords.encode(ur.cbor)}"
    return text.upper() if uppercase else text


def encode_part(ur_type: str, part: FountainPart, uppercase: bool = True) -> str:
    text = f"ur:{ur_type}/{part.seq_num}-{part.seq_len}/{bytewords.encode(part.to_cbor())}"
    return text.upper() if uppercase else text


class UREncoder:
    """Turns a UR into QR texts: one text if it fits `max_fragment_len`, else fountain parts.

    `min_parts` is how many texts a reader needs at the very least (seqLen); after those,
    next_part() keeps producing mixed parts so a reader that missed some can still finish.
    """

    def __init__(
        self,
        ur: UR,
        max_fragment_len: int,
        first_seq_num: int = 0,
        min_fragment_len: int = 10,
        uppercase: bool = True,
    ):
        self.ur = ur
        self.uppercase = uppercase
        self._fountain = FountainEncoder(ur.cbor, max_fragment_len, first_seq_num, min_fragment_len)

    @property
    def min_parts(self) -> int:
        return self._fountain.seq_len

    @property
    def is_single_part(self) -> bool:
        return self._fountain.is_single_part

    @property
    def seq_num(self) -> int:
        return self._fountain.seq_num

    def next_part(self) -> str:
        part = self._fountain.next_part()
        if self.is_single_part:
            return encode_single(self.ur, self.uppercase)
        return encode_part(self.ur.type, part, self.uppercase)


ReceiveStatus = Literal["accepted", "duplicate", "rejected", "restarted"]


@dataclass(frozen=True)
class ReceiveResult:
    """What one scanned text did.

    accepted  - a valid part that added information (check `complete`)
    duplicate - valid and of this message, but nothing new
    rejected  - not used: malformed (reason says what) or of a different message
    restarted - the decoder dropped its partial message and started on a different one;
                `message` says so in words a signer can act on
    """

    status: ReceiveStatus
    message: str
    complete: bool = False
    different_message: bool = False


@dataclass(frozen=True)
class Progress:
    parts_seen: int  # distinct useful parts of the current message
    fragments_total: int  # seqLen (0 before the first part; 1 for a single-part UR)
    estimated_remaining: int  # useful parts still needed at the least
    percent: float  # 0..100, share of independent fragment information known


@dataclass
class _Counters:
    malformed: int = 0
    foreign: int = 0
    duplicates: int = 0
    restarts: int = 0


class URDecoder:
    """Collects scanned UR texts into one UR.

    Parts of a different message (other type, checksum, length or seqLen) are rejected and
    counted without touching the partial state, so a stray frame cannot spoil a scan. If
    `restart_after` such parts of one same other message arrive in a row, the person has
    evidently switched to a different transaction: the decoder restarts on it and says so.
    """

    def __init__(self, restart_after: int = 3):
        if restart_after < 1:
            raise ValueError("restart_after must be at least 1")
        self.restart_after = restart_after
        self.counters = _Counters()
        self._reset_state()

    def _reset_state(self) -> None:
        self._type: str | None = None
        self._fountain = FountainDecoder()
        self._result: UR | None = None
        self._single_identity: bytes | None = None
        self._candidate: tuple | None = None  # identity of the other message seen lately
        self._candidate_streak = 0

    def reset(self) -> None:
        """Forget the current message (counters are kept)."""
        self._reset_state()

    # state --------------------------------------------------------------------
    @property
    def is_complete(self) -> bool:
        return self._result is not None

    @property
    def result(self) -> UR:
        if self._result is None:
            missing = self.progress.estimated_remaining
            raise URError(f"the UR is not complete: at least {missing} more part(s) needed", "multipart UR")
        return self._result

    @property
    def ur_type(self) -> str | None:
        return self._type

    @property
    def rejected_count(self) -> int:
        return self.counters.malformed + self.counters.foreign

    @property
    def progress(self) -> Progress:
        if self._result is not None:
            total = self._fountain.seq_len or 1
            return Progress(self._fountain.parts_accepted or 1, total, 0, 100.0)
        total = self._fountain.seq_len
        rank = self._fountain.rank
        percent = (100.0 * rank / total) if total else 0.0
        remaining = (total - rank) if total else 1
        return Progress(self._fountain.parts_accepted, total, remaining, percent)

    # receiving ----------------------------------------------------------------
    def receive(self, text: str) -> ReceiveResult:
        """Feed one scanned text. Never raises for bad input: it is reported and counted."""
        try:
            parsed = parse_part(text, "scanned UR")
        except URError as exc:
            self.counters.malformed += 1
            return ReceiveResult("rejected", exc.describe(), self.is_complete)
        if parsed.fountain_part is None:
            identity: tuple = (parsed.type, "single", parsed.cbor)
        else:
            identity = (parsed.type, "multi", FountainDecoder.identity_of(parsed.fountain_part))
        current = self._current_identity()
        if current is not None and identity != current:
            return self._foreign(parsed, identity)
        self._candidate, self._candidate_streak = None, 0
        return self._take(parsed)

    def _current_identity(self) -> tuple | None:
        if self._type is None:
            return None
        if self._single_identity is not None:
            return (self._type, "single", self._single_identity)
        return (self._type, "multi", self._fountain.identity())

    def _take(self, parsed: ParsedPart) -> ReceiveResult:
        if parsed.fountain_part is None:
            if self._result is not None:
                self.counters.duplicates += 1
                return ReceiveResult("duplicate", "already decoded", True)
            self._type, self._single_identity = parsed.type, parsed.cbor
            self._result = UR(parsed.type, parsed.cbor)  # type: ignore[arg-type]
            return ReceiveResult("accepted", f"single-part {parsed.type}", True)
        self._type = parsed.type
        part = parsed.fountain_part
        try:
            outcome = self._fountain.receive(part)
        except URError as exc:  # the assembled message failed its checksum: start over
            self.counters.restarts += 1
            self._reset_state()
            return ReceiveResult("restarted", f"{exc.describe()}; scan restarted", False)
        if outcome is PartOutcome.DUPLICATE:
            self.counters.duplicates += 1
            return ReceiveResult("duplicate", f"part {part.seq_num} adds nothing new", self.is_complete)
        if self._fountain.is_complete:
            self._result = UR(parsed.type, self._fountain.message)
            return ReceiveResult("accepted", f"{parsed.type} complete", True)
        p = self.progress
        return ReceiveResult(
            "accepted", f"part {part.seq_num}: {p.percent:.0f}%, at least {p.estimated_remaining} more needed"
        )

    def _foreign(self, parsed: ParsedPart, identity: tuple) -> ReceiveResult:
        self.counters.foreign += 1
        what = f"a different {parsed.type}" if parsed.type == self._type else f"a {parsed.type}, not {self._type}"
        if self._result is None and not self._fountain.rank and self._single_identity is None:
            # nothing learnt yet of the current message: simply follow the new one
            self._reset_state()
            return self._take(parsed)
        if identity == self._candidate:
            self._candidate_streak += 1
        else:
            self._candidate, self._candidate_streak = identity, 1
        if self._result is None and self._candidate_streak >= self.restart_after:
            self.counters.restarts += 1
            self._reset_state()
            taken = self._take(parsed)
            return ReceiveResult(
                "restarted",
                f"a different transaction is being shown ({what}); the partial scan was dropped "
                f"and scanning restarted on the new one",
                taken.complete,
                different_message=True,
            )
        note = " (decoder already complete; call reset() to scan another)" if self._result is not None else ""
        return ReceiveResult(
            "rejected", f"part of {what} than the one being scanned{note}", self.is_complete, different_message=True
        )
