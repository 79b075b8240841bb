"""Bytewords: the text encoding of bytes used inside UR strings, with a CRC-32 appended.

Spec: Blockchain Commons BCR-2020-012 (Bytewords). Every byte maps to one four-letter word;
the first and last letters of each word are unique, so the *minimal* style (used in URs)
writes just those two letters. Input is matched case-insensitively because QR alphanumeric
mode carries upper case only.
"""

from __future__ import annotations

import zlib
from enum import Enum

from decoders.errors import URError

# The 256 words in byte order. Fact carried over from the spec's word list (as in
# BlockchainCommons/bc-ur src/bytewords.cpp); four letters each, concatenated.
_WORDS_TEXT = (
    "ableacidalsoapexaquaarchatomauntawayaxisbackbaldbarnbeltbetabiasbluebodybragbrewbulbbuzz"
    "calmcashcatschefcityclawcodecolacookcostcruxcurlcuspcyandarkdatadaysdelidicedietdoordown"
    "drawdropdrumdulldutyeacheasyechoedgeepicevenexamexiteyesfactfairfernfigsfilmfishfizzflap"
    "flewfluxfoxyfreefrogfuelfundgalagamegeargemsgiftgirlglowgoodgraygrimgurugushgyrohalfhang"
    "hardhawkheathelphighhillholyhopehornhutsicedideaidleinchinkyintoirisironitemjadejazzjoin"
    "joltjowljudojugsjumpjunkjurykeepkenokeptkeyskickkilnkingkitekiwiknoblamblavalazyleaflegs"
    "liarlimplionlistlogoloudloveluaulucklungmainmanymathmazememomenumeowmildmintmissmonknail"
    "navyneednewsnextnoonnotenumbobeyoboeomitonyxopenovalowlspaidpartpeckplaypluspoempoolpose"
    "puffpumapurrquadquizraceramprealredorichroadrockroofrubyruinrunsrustsafesagascarsetssilk"
    "skewslotsoapsolosongstubsurfswantacotasktaxitenttiedtimetinytoiltombtoystriptunatwinugly"
    "undouniturgeuservastveryvetovialvibeviewvisavoidvowswallwandwarmwaspwavewaxywebswhatwhen"
    "whizwolfworkyankyawnyellyogayurtzapszerozestzinczonezoom"
)
WORDS: tuple[str, ...] = tuple(_WORDS_TEXT[i : i + 4] for i in range(0, len(_WORDS_TEXT), 4))
assert len(WORDS) == 256 and len(set(WORDS)) == 256

_MINIMAL: tuple[str, ...] = tuple(w[0] + w[3] for w in WORDS)
_BY_WORD = {w: i for i, w in enumerate(WORDS)}
_BY_MINIMAL = {m: i for i, m in enumerate(_MINIMAL)}
assert len(_BY_MINIMAL) == 256

CHECKSUM_LEN = 4


class Style(Enum):
    STANDARD = "standard"  # "able acid also"
    URI = "uri"  # "able-acid-also"
    MINIMAL = "minimal"  # "aeadao" (what URs carry)


def crc32(data: bytes) -> int:
    """CRC-32 (ISO-HDLC, as zlib computes it): the checksum Bytewords and fountain parts use."""
    return zlib.crc32(data) & 0xFFFFFFFF


def crc32_bytes(data: bytes) -> bytes:
    return crc32(data).to_bytes(4, "big")


def encode(data: bytes, style: Style = Style.MINIMAL) -> str:
    """Encode bytes plus their big-endian CRC-32 as Bytewords of the given style."""
    body = bytes(data) + crc32_bytes(data)
    if style is Style.MINIMAL:
        return "".join(_MINIMAL[b] for b in body)
    separator = " " if style is Style.STANDARD else "-"
    return separator.join(WORDS[b] for b in body)


def decode(text: str, style: Style = Style.MINIMAL, where: str = "bytewords") -> bytes:
    """Decode Bytewords (any letter case) and verify the trailing CRC-32. Raises URError."""
    if not isinstance(text, str):
        raise URError("Bytewords must be text", where)
    lowered = text.lower()
    if style is Style.MINIMAL:
        if len(lowered) % 2:
            raise URError(f"minimal Bytewords have an odd length ({len(lowered)} letters)", where)
        tokens = [lowered[i : i + 2] for i in range(0, len(lowered), 2)]
        table = _BY_MINIMAL
    else:
        separator = " " if style is Style.STANDARD else "-"
        tokens = lowered.split(separator) if lowered else []
        table = _BY_WORD
    values = bytearray()
    for position, token in enumerate(tokens):
        value = table.get(token)
        if value is None:
            shown = token if token.isprintable() and len(token) <= 8 else repr(token[:8])
            raise URError(f"'{shown}' is not a Byteword", f"{where}, word {position + 1}")
        values.append(value)
    if len(values) < CHECKSUM_LEN + 1:
        raise URError(f"too short: {len(values)} bytes, at least 5 needed (data + 4-byte checksum)", where)
    body, checksum = bytes(values[:-CHECKSUM_LEN]), bytes(values[-CHECKSUM_LEN:])
    if crc32_bytes(body) != checksum:
        raise URError(
            f"checksum mismatch (carried {checksum.hex()}, computed {crc32_bytes(body).hex()})",
            where,
            "the QR text is damaged or truncated; rescan it",
        )
    return body
