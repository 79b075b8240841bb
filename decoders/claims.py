"""Checks of what a payload *claims* against what Coldsight computed itself.

A compromised backend or page lies exactly here: a `dataDecoded` that shows a harmless
transfer, a `safeTxHash` of another transaction, signatures made over something else.
"""

from .calls import CallNode
from .findings import Finding
from .hexutil import short_address
from .safetx import ZERO_ADDRESS
from .vocabulary import FindingCode, Severity


def _norm(value: object) -> object:
    """Bring a decoded value and the service's JSON value to one comparable form."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, dict):
        return [_norm(v) for v in value.values()]
    if isinstance(value, (list, tuple)):
        return [_norm(v) for v in value]
    return value


def _service_value(value: object) -> object:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return [_service_value(v) for v in value]
    if isinstance(value, dict):
        return [_service_value(v) for v in value.values()]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


def compare_data_decoded(claimed: object, node: CallNode) -> list[str]:
    """Differences between the service's `dataDecoded` and our decoding of `node` (empty if they agree)."""
    if claimed is None:
        return []
    where = f"call {node.path}"
    if not isinstance(claimed, dict):
        return [f"{where}: dataDecoded is not an object"]
    method = claimed.get("method")
    if not node.data:
        return [f"{where}: the service shows method {method!r} but the call has no data"]
    if node.function is None:
        # We cannot decode it: nothing to compare, and UNKNOWN_SELECTOR already says so.
        return []
    problems = []
    if method != node.function.name:
        problems.append(f"{where}: the service shows {method!r} but the data calls {node.function.name!r}")
        return problems
    parameters = claimed.get("parameters") or []
    if not isinstance(parameters, list) or len(parameters) != len(node.args or []):
        return [f"{where}: the service shows {len(parameters) if isinstance(parameters, list) else '?'} parameters, the data has {len(node.args or [])}"]
    for index, (param, ours) in enumerate(zip(parameters, node.args or [])):
        if not isinstance(param, dict):
            problems.append(f"{where}: parameter {index} is not an object")
            continue
        if node.is_batch and index == 0 and param.get("valueDecoded") is not None:
            problems.extend(_compare_batch(param["valueDecoded"], node))
            continue
        if _service_value(param.get("value")) != _norm(ours.value):
            problems.append(f"{where}: parameter {ours.name} is shown as {param.get('value')!r} but the data says {_norm(ours.value)!r}")
    return problems


def _compare_batch(claimed_entries: object, node: CallNode) -> list[str]:
    where = f"batch {node.path}"
    if not isinstance(claimed_entries, list):
        return [f"{where}: valueDecoded is not a list"]
    if len(claimed_entries) != len(node.children):
        return [f"{where}: the service shows {len(claimed_entries)} calls, the data holds {len(node.children)}"]
    problems = []
    for entry, child in zip(claimed_entries, node.children):
        if not isinstance(entry, dict):
            problems.append(f"call {child.path}: not an object")
            continue
        checks = (("operation", child.operation), ("value", child.value), ("data", child.data or None))
        to = entry.get("to")
        # A 1.5.0 entry sent to 0x0 lands on address(this): the service may show either, but nothing else.
        shown_ok = isinstance(to, str) and (to.lower() == child.to.lower() or (child.to_was_zero and to.lower() == ZERO_ADDRESS))
        if not shown_ok:
            problems.append(f"call {child.path}: the service shows destination {to} but the data sends to {short_address(child.to)}")
        for key, ours in checks:
            theirs = entry.get(key)
            if key == "data" and theirs in (None, "0x") and ours is None:
                continue
            if _service_value(theirs) != _norm(ours):
                problems.append(f"call {child.path}: the service shows {key} {theirs!r}, the data says {_norm(ours)!r}")
        problems.extend(compare_data_decoded(entry.get("dataDecoded"), child))
    return problems


def decoded_mismatch_findings(claimed: object, root: CallNode) -> list[Finding]:
    return [
        Finding(FindingCode.DECODED_MISMATCH, Severity.CRITICAL, root.path,
                f"The payload's own decoding (dataDecoded) disagrees with the real call data: {problem}")
        for problem in compare_data_decoded(claimed, root)
    ]
