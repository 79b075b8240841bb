"""The hostile display set (issue 11), written out by hand from the Unicode charts, not derived
from Coldsight's own classifier: terminal escape sequences, C0/C1 controls, bidi embeddings,
overrides, isolates and marks, zero-width and other format characters, line separators."""

import json
from pathlib import Path

from tests.builders import address, calldata, service_record

HOSTILE_POINTS = (
    [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\n\t"] + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]                       # C1, incl. NEL U+0085 and CSI U+009B
    + [chr(c) for c in range(0x202A, 0x202F)]                   # LRE RLE PDF LRO RLO
    + [chr(c) for c in range(0x2066, 0x206A)]                   # LRI RLI FSI PDI
    + [chr(c) for c in range(0x200B, 0x2010)]                   # ZWSP ZWNJ ZWJ LRM RLM
    + ["\u2028", "\u2029", "\ufeff", "\u061c", "\u2060", "\u00ad", "\u180e", "\U000e0041"]  # separators, BOM, ALM, WJ, SHY, MVS, tag A
)
# Also escaped on display, though not flagged on their own (ordinary multi-line text).
LAYOUT_POINTS = ["\n", "\t"]
EVERY_POINT = HOSTILE_POINTS + LAYOUT_POINTS

# Strings an attacker would really send.
ATTACKS = [
    "\x1b[2J\x1b[H\x1b[32mOK: no problems found\x1b[0m",  # clear screen, paint a green OK
    "\x1b]0;title\x07",                                    # OSC: set the terminal title
    "safe\rOK   ",                                         # carriage return overwrites the line
    "BLOCK\b\b\b\b\bOK   ",                                # backspaces
    "evil\u202ecod.exe",                                   # right-to-left override
    "pay\u200bto\u2066x\u2069",                            # zero-width space, isolate
    "line\u2028OK\u2029",                                  # Unicode line separators
    "".join(HOSTILE_POINTS),
]


def contains_raw_hostile(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if c in HOSTILE_POINTS})


NOTE_SIGNATURE = "setNote(string)"
NOTE_TARGET = address("hostile-note-target")
SAFE = address("hostile-safe")


def abi_dir_with_note(folder: Path) -> Path:
    """An --abi-dir that names `setNote(string note)` on NOTE_TARGET."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{NOTE_TARGET.lower()}.json").write_text(json.dumps({"functions": ["setNote(string note)"]}))
    return folder


def note_record(text: str) -> dict:
    return service_record(SAFE, NOTE_TARGET, data=calldata(NOTE_SIGNATURE, ["string"], [text]))
