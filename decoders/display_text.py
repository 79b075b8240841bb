"""Deceptive characters in text that came from a payload: find them, and show them escaped.

A decoded `string` argument, a typed-data key or a version suffix is attacker-chosen text. Sent
raw to a terminal, `\\x1b[2J\\x1b[32mOK` clears the screen and paints a green "OK" over a block
verdict; in a GUI, U+202E (right-to-left override) or a zero-width space makes one address or
name look like another. Every front end therefore shows such text through `escape()`, which
replaces each deceptive code point by a visible `\\u202e`-style escape, and the core raises
DECEPTIVE_TEXT when calldata or typed data carries one.

Deceptive here means: every Unicode control (Cc: C0, DEL, C1, so ESC, CR, backspace, NEL), every
format character (Cf: bidi embeddings/overrides/isolates U+202A-202E, U+2066-2069, marks
U+200E/200F/061C, zero-width U+200B-200D, U+2060, U+FEFF, soft hyphen, tag characters ...), the
line and paragraph separators U+2028/2029 (Zl, Zp), and code points that are not characters
(unassigned, surrogates, private use: a font may draw them as anything).
"""

import re
import unicodedata

_DECEPTIVE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def is_deceptive(char: str) -> bool:
    # Plain printable ASCII is by far the common case; skip the Unicode database for it.
    if " " <= char <= "~":
        return False
    return unicodedata.category(char) in _DECEPTIVE_CATEGORIES


def deceptive_code_points(text: str) -> list[str]:
    """The distinct deceptive code points in `text`, as `U+XXXX` names, in order of appearance."""
    if text.isprintable():
        return []
    seen: dict[str, None] = {}
    for char in text:
        if is_deceptive(char):
            seen.setdefault(f"U+{ord(char):04X}", None)
    return list(seen)


# Only characters outside printable ASCII need a look at the Unicode database.
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")


def _escaped(char: str) -> str:
    point = ord(char)
    if point <= 0xFF:
        return f"\\x{point:02x}"
    if point <= 0xFFFF:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def escape(text: str, keep: str = "") -> str:
    """`text` with every deceptive code point (except those in `keep`, e.g. "\\n" for our own line
    breaks) replaced by a visible escape. Backslashes are left alone so JSON written through a
    guarded stream stays byte-exact; the DECEPTIVE_TEXT finding, not the look, tells a real
    control character from a payload that merely spells one out."""
    if text.isprintable():  # no Cc, Cf, Zl, Zp, Cs, Co or Cn at all: the common case, in C
        return text

    def replace(match: re.Match) -> str:
        char = match.group()
        return char if char in keep or not is_deceptive(char) else _escaped(char)

    return _NOT_PRINTABLE_ASCII.sub(replace, text)


def has_deceptive(text: str) -> bool:
    return bool(deceptive_code_points(text))
