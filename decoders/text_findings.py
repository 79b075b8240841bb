"""DECEPTIVE_TEXT: payload-derived text that carries control, bidi or zero-width characters.

Front ends show such text escaped (`decoders.display_text`), so it cannot repaint a terminal or
reorder what a signer reads; this finding says that the payload tried, and where. Line feeds and
tabs alone are not flagged: multi-line strings are ordinary (a governance proposal's
description) and they are escaped on display like everything else.
"""

from collections.abc import Iterator

from .calls import CallNode
from .display_text import deceptive_code_points
from .findings import Finding
from .vocabulary import FindingCode, Severity

_ORDINARY = frozenset({"U+000A", "U+0009"})  # \n, \t
_MAX_LISTED = 4  # code points named in the message; the rest are only counted


def _strings(value: object, name: str) -> Iterator[tuple[str, str]]:
    """(where, text) for every string inside an ABI value (lists, tuples as dicts)."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{name}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{name}.{key}")


def _node_texts(node: CallNode) -> Iterator[tuple[str, str]]:
    if node.function is not None:  # names can come from a user-supplied --abi-dir file
        yield "function name", node.function.canonical
    for arg in node.args or ():
        yield "argument name", arg.name
        yield from _strings(arg.value, f"argument {arg.name!r}" if arg.name else "argument")


def _all_printable(value: object) -> bool:
    """Every string inside an ABI value is printable, so none holds a deceptive code point."""
    if isinstance(value, str):
        return value.isprintable()
    if isinstance(value, (list, tuple)):
        for item in value:
            if not _all_printable(item):
                return False
    elif isinstance(value, dict):
        for item in value.values():
            if not _all_printable(item):
                return False
    return True


def _may_deceive(node: CallNode) -> bool:
    """A cheap pre-check (str.isprintable runs in C): only a node that fails it is walked by name."""
    if node.function is not None and not node.function.canonical.isprintable():
        return True
    for arg in node.args or ():
        value = arg.value
        if not arg.name.isprintable() or not (isinstance(value, (int, bytes)) or _all_printable(value)):
            return True
    return False


def deceptive_text_findings(root: CallNode, notes: list[str] | None = None) -> list[Finding]:
    found = []
    for node in root.walk():
        if not _may_deceive(node):
            continue
        for where, text in _node_texts(node):
            points = [p for p in deceptive_code_points(text) if p not in _ORDINARY]
            if points:
                found.append(Finding(FindingCode.DECEPTIVE_TEXT, Severity.WARN, node.path, _message(where, points)))
    for note in notes or ():
        points = [p for p in deceptive_code_points(note) if p not in _ORDINARY]
        if points:
            found.append(Finding(FindingCode.DECEPTIVE_TEXT, Severity.WARN, None, _message("a payload note", points)))
    return found


def _message(where: str, points: list[str]) -> str:
    listed = ", ".join(points[:_MAX_LISTED]) + (f" and {len(points) - _MAX_LISTED} more" if len(points) > _MAX_LISTED else "")
    return (f"The {where} contains invisible or terminal-control characters ({listed}) that can make text look "
            "like something else; they are shown escaped (\\u…), read the raw value")
