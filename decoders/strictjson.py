"""JSON parsing that refuses what the standard library silently accepts.

Duplicate keys are the classic smuggling trick (two parsers pick different values), so they are
errors here; so are NaN/Infinity, absurd nesting and oversize documents.
"""

import json
import re

from .bounds import LimitExceeded
from .errors import PayloadError

# 4 MiB holds ~2 MB of calldata as hex, far above any Safe transaction a block can carry at
# ordinary gas prices; at 16 MiB the worst shape took 9 s and 840 MB (docs/bounds.md).
MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise PayloadError(f"duplicate JSON key {key!r}: the payload is ambiguous", f"key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> None:
    raise PayloadError(f"{name} is not a valid JSON number")


# A JSON string (skipped whole) or one bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _nesting_exceeds(text: str, limit: int) -> bool:
    """Measure bracket depth *before* parsing: the C scanner in `json` recurses on the C stack and
    crashes the process (segfault) on deep input when a library has raised the recursion limit
    (py_ecc sets it to 100000), so RecursionError cannot be relied on."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def loads(text: str, source: str = "payload", max_bytes: int = MAX_JSON_BYTES) -> object:
    """`max_bytes`: a file with its own documented size bound (an address book) passes it here."""
    if len(text) > max_bytes:
        raise LimitExceeded("MAX_JSON_BYTES", max_bytes, f"JSON document is {len(text)} bytes, more than allowed", source)
    if _nesting_exceeds(text, MAX_DEPTH):
        raise LimitExceeded("MAX_JSON_DEPTH", MAX_DEPTH, "JSON nested too deeply", source)
    try:
        value = json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except PayloadError as err:
        raise PayloadError(err.message, f"{source}: {err.where}" if err.where else source) from None
    except json.JSONDecodeError as err:
        raise PayloadError(f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}", source) from None
    except RecursionError:
        raise LimitExceeded("MAX_JSON_DEPTH", MAX_DEPTH, "JSON nested too deeply", source) from None
    except ValueError as err:  # e.g. int() digit limits on enormous numbers
        raise PayloadError(f"not valid JSON: {err}", source) from None
    # No walk of the parsed value: the bracket pre-scan above follows the JSON string grammar, so
    # the parsed nesting is exactly the depth it measured (a walk took 4 s on 4 MiB of branches).
    return value
