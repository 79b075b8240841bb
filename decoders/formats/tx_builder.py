"""Safe Transaction Builder batch files: checksum, the calls they describe, and the match with a payload.

The file (`version "1.0"`, `chainId`, `createdAt`, `meta{name, checksum, createdFromSafeAddress, …}`,
`transactions[]`) is what the Transaction Builder Safe App exports and imports. Facts taken from
safe-global/safe-react-apps apps/tx-builder (src/lib/checksum.ts and its test vectors, src/utils.ts):

- checksum = keccak256 of a canonical serialization of the file with `meta.checksum` removed and
  `meta.name` set to null. Serialization: an array is `[a,b]`; an object is `{` + JSON of its sorted
  key list + each value followed by `,` + `}`; anything else is its JSON text (undefined as null).
- each transaction is `{to, value, data}` or `{to, value, contractMethod{name, inputs}, contractInputsValues}`;
  a method call is ABI-encoded from the values (strings; `[`… values are JSON; a bool is `true` when
  the text lowercased is "true").
- Safe{Wallet} proposes one transaction directly and several as a MultiSendCallOnly batch (all CALLs).

The checksum only catches accidental edits (anyone can recompute it); what protects the signer is
the comparison: every call of the file must be exactly a call of the reviewed transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import eth_abi

from ..abi import Param, function_from_json_abi
from ..errors import PayloadError
from ..findings import Finding
from ..eip712_any import parse_uint
from ..hexutil import keccak, parse_address, parse_hex
from ..vocabulary import FindingCode, Severity
from . import decode_text
from .. import strictjson
from ..bounds import LimitExceeded, check_count
from ..multisend import MAX_ENTRIES

if TYPE_CHECKING:
    from ..calls import CallNode
    from ..safetx import Context

JS_SAFE_INTEGER = (1 << 53) - 1
# A file's calls must equal the reviewed transaction's, whose calldata a payload of MAX_JSON_BYTES
# bounds (4 MiB of hex: at most 65,536 32-byte words in all). A file describing more values, or more
# transactions than a batch may hold, can never match: it is refused before any ABI encoding (a
# 2-million-item array took 24 s and 530 MB to encode).
MAX_BUILDER_VALUES = 65_536


@dataclass(frozen=True)
class BuilderCall:
    index: int
    to: str
    value: int
    data: bytes


def serialize(value: object, where: str) -> str:
    """The Transaction Builder's canonical serialization (src/lib/checksum.ts serializeJSONObject)."""
    if isinstance(value, list):
        return "[" + ",".join(serialize(item, f"{where}[{i}]") for i, item in enumerate(value)) + "]"
    if isinstance(value, dict):
        keys = sorted(value)  # JS sorts keys by UTF-16 code units; batch file keys are ASCII
        return "{" + _js_json(keys) + "".join(serialize(value[k], f"{where}.{k}") + "," for k in keys) + "}"
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and abs(value) > JS_SAFE_INTEGER):
        raise PayloadError("a number JavaScript cannot represent exactly (the checksum would depend on rounding)", where)
    return _js_json(value)


def _js_json(value: object) -> str:
    # JSON.stringify: no spaces, non-ASCII kept, control characters escaped (as Python does).
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def checksum(document: dict) -> str:
    """What validateChecksum compares `meta.checksum` with."""
    meta = {k: v for k, v in document["meta"].items() if k != "checksum"}
    meta["name"] = None
    return "0x" + keccak(serialize({**document, "meta": meta}, "batch").encode("utf-8")).hex()


def is_batch_file(document: object) -> bool:
    return isinstance(document, dict) and document.get("version") == "1.0" and isinstance(document.get("transactions"), list) \
        and isinstance(document.get("meta"), dict)


def builder_calls(document: dict) -> list[BuilderCall]:
    """The calls the file describes, each encoded as the Transaction Builder encodes it."""
    transactions = document["transactions"]
    check_count("MAX_ENTRIES", MAX_ENTRIES, len(transactions), "transactions in the Transaction Builder file",
                "transactions")
    calls = []
    budget = [MAX_BUILDER_VALUES]  # array and tuple values left for the whole file
    for index, tx in enumerate(transactions):
        where = f"transactions[{index}]"
        if not isinstance(tx, dict):
            raise PayloadError("a transaction must be an object", where)
        to = parse_address(tx.get("to"), f"{where}.to")
        value = parse_uint(tx.get("value", "0") or "0", f"{where}.value", 256)
        if tx.get("contractMethod"):
            data = _encode_method(tx["contractMethod"], tx.get("contractInputsValues") or {}, where, budget)
        else:
            data = parse_hex(tx.get("data") or "0x", f"{where}.data")
        calls.append(BuilderCall(index, to, value, data))
    return calls


def _encode_method(method: object, values: dict, where: str, budget: list[int]) -> bytes:
    if not isinstance(method, dict) or not isinstance(method.get("name"), str):
        raise PayloadError("contractMethod needs a name and inputs", f"{where}.contractMethod")
    try:
        function = function_from_json_abi({"name": method["name"], "inputs": method.get("inputs") or []}, "tx-builder")
    except (KeyError, TypeError) as err:
        raise PayloadError(f"contractMethod inputs are malformed ({err})", f"{where}.contractMethod") from None
    args = []
    for index, param in enumerate(function.inputs):
        raw_inputs = method.get("inputs") or []
        key = raw_inputs[index].get("name") or str(index)
        text = values.get(key) or ""
        args.append(_parse_input(param, text, f"{where}.contractInputsValues.{key}", budget))
    try:
        return function.selector + eth_abi.encode([p.type for p in function.inputs], args)
    except (eth_abi.exceptions.EncodingError, OverflowError, ValueError, TypeError) as err:
        raise PayloadError(f"values do not encode as {function.canonical}: {err}", f"{where}.contractInputsValues") from None


def _count_values(value: object) -> int:
    """Leaves and containers in a parsed JSON value (iterative: the nesting is already bounded)."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, list):
            stack.extend(item)
    return count


def _parse_input(param: Param, text: object, where: str, budget: list[int]) -> object:
    if not isinstance(text, str):
        raise PayloadError("input values are strings in a batch file", where)
    if text.startswith("[") or param.type.startswith("("):
        try:
            value = strictjson.loads(text, where)
        except PayloadError as err:
            raise PayloadError(f"not valid JSON for an array or tuple value: {err.message}", where) from None
        budget[0] -= _count_values(value)
        if budget[0] < 0:
            raise LimitExceeded("MAX_BUILDER_VALUES", MAX_BUILDER_VALUES,
                                "the Transaction Builder file's array and tuple inputs hold more values than any "
                                "reviewable transaction's calldata can carry", where)
        return _convert(param.type, param.components, value, where)
    return _convert(param.type, param.components, text, where)


def _convert(kind: str, components: tuple[Param, ...], value: object, where: str) -> object:
    if kind.endswith("]"):
        inner = kind[: kind.rindex("[")]
        if not isinstance(value, list):
            raise PayloadError(f"expected a list for {kind}", where)
        return [_convert(inner, components, item, f"{where}[{i}]") for i, item in enumerate(value)]
    if kind.startswith("("):
        if not isinstance(value, list) or len(value) != len(components):
            raise PayloadError(f"expected a list of {len(components)} values for the tuple", where)
        return tuple(_convert(c.type, c.components, v, f"{where}[{i}]") for i, (c, v) in enumerate(zip(components, value)))
    if kind == "bool":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if kind == "address":
        return parse_address(value, where)
    if kind.startswith(("uint", "int")):
        return parse_uint(value, where, 256, signed=kind.startswith("int"))
    if kind.startswith("bytes"):
        return parse_hex(value, where)
    if kind == "string":
        if not isinstance(value, str):
            raise PayloadError("expected a string", where)
        return value
    raise PayloadError(f"unsupported type {kind}", where)


def compare_with_tree(document: dict, root: CallNode, context: Context) -> list[Finding]:
    """Findings on how the reviewed transaction (its call tree, for Safe `context`) matches the batch
    file: a stage of decoders.verify.verify_payload (VerifyOptions.batch_file), run before the Report exists."""
    found: list[Finding] = []
    expected = checksum(document)
    claimed = document["meta"].get("checksum")
    if claimed != expected:
        found.append(Finding(FindingCode.BUILDER_CHECKSUM, Severity.WARN, None,
                             f"The Transaction Builder file's checksum is {claimed!r}, but its content hashes to {expected}: "
                             "it was edited after it was exported"))
    chain = document.get("chainId")
    if str(chain) != str(context.chain_id):
        found.append(Finding(FindingCode.BUILDER_MISMATCH, Severity.CRITICAL, None,
                             f"The Transaction Builder file is for chain {chain}, the transaction for chain {context.chain_id}"))
    made_by = document["meta"].get("createdFromSafeAddress")
    if isinstance(made_by, str) and made_by.lower() != context.safe.lower():
        found.append(Finding(FindingCode.BUILDER_MISMATCH, Severity.CRITICAL, None,
                             f"The Transaction Builder file was made for Safe {made_by}, the transaction is for {context.safe}"))
    calls = builder_calls(document)
    if len(calls) == 1:
        shown = [root]
    elif root.is_batch and root.operation == 1 and root.batch_library is not None and root.batch_library.call_only:
        shown = root.children
    else:
        found.append(Finding(FindingCode.BUILDER_MISMATCH, Severity.CRITICAL, "0",
                             f"The Transaction Builder file holds {len(calls)} calls, but the transaction is not a "
                             "MultiSendCallOnly batch delegatecalled by the Safe"))
        return found
    if len(shown) != len(calls):
        found.append(Finding(FindingCode.BUILDER_MISMATCH, Severity.CRITICAL, "0",
                             f"The Transaction Builder file holds {len(calls)} calls, the transaction makes {len(shown)}"))
        return found
    for call, node in zip(calls, shown):
        differences = [name for name, same in (("operation", node.operation == 0), ("to", node.to == call.to),
                                               ("value", node.value == call.value), ("data", node.data == call.data))
                       if not same]
        if differences:
            found.append(Finding(FindingCode.BUILDER_MISMATCH, Severity.CRITICAL, node.path,
                                 f"Call {node.path} differs from transaction {call.index} of the Transaction Builder file "
                                 f"in {', '.join(differences)}"))
    return found


def load_batch_file(data: bytes, source: str) -> dict:
    document = strictjson.loads(decode_text(data, source), source)
    if not is_batch_file(document):
        raise PayloadError("not a Transaction Builder batch file (version \"1.0\", meta, transactions[])", source)
    assert isinstance(document, dict)
    return document
