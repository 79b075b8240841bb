"""The direct strict ABI decoder (decoders/abi_canonical.py) against eth-abi as the oracle.

The rule it must match exactly: bytes are accepted iff eth-abi decodes them (strict=True) AND
re-encodes the decoded values to identical bytes; accepted bytes give the same values. The
oracle below is eth-abi plus this file's own value conversion (eth-utils checksums), nothing
of Coldsight's. Cases: random type shapes with random values (valid encodings), the same
encodings mutated (bytes flipped, words replaced by small numbers that look like offsets or
lengths, huge words, words inserted or removed, truncation, trailing bytes), and hand-made
malformed encodings. Plus a bound on memory for offsets that all point at one large element.
"""

import tracemalloc

import eth_abi
import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from decoders.abi import Function, Param, decode_arguments
from decoders.abi_canonical import NotCanonical, compile_inputs
from decoders.errors import DecodeError

ELEMENTARY = ["address", "bool", "uint8", "uint16", "uint24", "uint48", "uint64", "uint160", "uint256",
              "int8", "int16", "int24", "int128", "int256", "bytes1", "bytes4", "bytes20", "bytes31", "bytes32",
              "bytes", "string"]


# ---- the oracle: eth-abi decode + re-encode, values in Coldsight's display shape -------------

def _display(param: Param, value):
    if param.type.endswith("]"):
        inner = Param(param.name, param.type[: param.type.rindex("[")], param.components)
        return [_display(inner, item) for item in value]
    if param.type.startswith("("):
        return {c.name: _display(c, v) for c, v in zip(param.components, value)}
    if param.type == "address":
        return to_checksum_address(value)
    return value


def oracle(params: tuple[Param, ...], body: bytes):
    """repr of the display values, or None when the strict rule rejects `body`."""
    types = [p.type for p in params]
    try:
        values = eth_abi.decode(types, body, strict=True)
        if encode(types, values) != body:
            return None
    except Exception:  # noqa: BLE001 - any eth-abi failure is a rejection; which one does not matter
        return None
    return repr([_display(p, v) for p, v in zip(params, values)])


def fast(params: tuple[Param, ...], body: bytes):
    decoder = compile_inputs(params)
    assert decoder is not None, f"fast path does not cover {[p.type for p in params]}"
    try:
        return repr(decoder.decode(body))
    except NotCanonical:
        return None


# ---- random type shapes and values ------------------------------------------------------------

def _names(n: int) -> list[str]:
    return [f"f{i}" for i in range(n)]


def _array_of(param: Param, dim: int | None) -> Param:
    return Param(param.name, f"{param.type}[{'' if dim is None else dim}]", param.components)


def _tuple_of(items: list[Param]) -> Param:
    comps = tuple(Param(name, p.type, p.components) for name, p in zip(_names(len(items)), items))
    return Param("t", "(" + ",".join(c.type for c in comps) + ")", comps)


TYPES = st.recursive(
    st.sampled_from(ELEMENTARY).map(lambda t: Param("x", t)),
    lambda inner: st.one_of(
        inner.map(lambda p: _array_of(p, None)),
        st.tuples(inner, st.integers(1, 3)).map(lambda pk: _array_of(pk[0], pk[1])),
        st.lists(inner, min_size=1, max_size=3).map(_tuple_of),
    ),
    max_leaves=5,
)


def values_for(param: Param) -> st.SearchStrategy:
    t = param.type
    if t.endswith("]"):
        inner = Param(param.name, t[: t.rindex("[")], param.components)
        dim = t[t.rindex("[") + 1 : -1]
        size = {"min_size": int(dim), "max_size": int(dim)} if dim else {"max_size": 3}
        return st.lists(values_for(inner), **size)
    if t.startswith("("):
        return st.tuples(*(values_for(c) for c in param.components))
    if t == "address":
        return st.binary(min_size=20, max_size=20).map(to_checksum_address)
    if t == "bool":
        return st.booleans()
    if t.startswith("uint"):
        return st.integers(0, (1 << int(t[4:])) - 1)
    if t.startswith("int"):
        bits = int(t[3:])
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    if t == "bytes":
        return st.binary(max_size=70)
    if t == "string":
        return st.text(max_size=20)
    return st.binary(min_size=int(t[5:]), max_size=int(t[5:]))


@st.composite
def encodings(draw):
    """(params, canonical encoding of random values for them)."""
    tops = draw(st.lists(TYPES, min_size=1, max_size=4))
    params = tuple(Param(name, p.type, p.components) for name, p in zip(_names(len(tops)), tops))
    values = [draw(values_for(p)) for p in params]
    return params, encode([p.type for p in params], values)


@st.composite
def mutated(draw):
    params, body = draw(encodings())
    words = max(1, len(body) // 32)
    kind = draw(st.sampled_from(["flip", "small-word", "huge-word", "insert-word", "drop-word",
                                 "truncate", "append", "two"]))
    for _ in range(2 if kind == "two" else 1):
        choice = draw(st.sampled_from(["flip", "small-word", "huge-word", "insert-word", "drop-word", "truncate", "append"])) \
            if kind == "two" else kind
        at = draw(st.integers(0, words - 1)) * 32
        if choice == "flip" and body:
            pos = draw(st.integers(0, len(body) - 1))
            body = body[:pos] + bytes([body[pos] ^ draw(st.integers(1, 255))]) + body[pos + 1 :]
        elif choice == "small-word":  # looks like an offset or a length: forward, backward, shared, past the end
            body = body[:at] + draw(st.integers(0, len(body) + 96)).to_bytes(32, "big") + body[at + 32 :]
        elif choice == "huge-word":
            big = draw(st.sampled_from([1 << 64, 1 << 128, (1 << 255) + 32, (1 << 256) - 1, (1 << 256) - 32]))
            body = body[:at] + big.to_bytes(32, "big") + body[at + 32 :]
        elif choice == "insert-word":
            body = body[:at] + draw(st.binary(min_size=32, max_size=32)) + body[at:]
        elif choice == "drop-word":
            body = body[:at] + body[at + 32 :]
        elif choice == "truncate" and body:
            body = body[: draw(st.integers(0, len(body) - 1))]
        else:
            body = body + draw(st.binary(min_size=1, max_size=64))
    return params, body


SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


@settings(max_examples=800, **SETTINGS)
@given(encodings())
def test_canonical_encodings_decode_to_the_same_values(case):
    params, body = case
    expected = oracle(params, body)
    assert expected is not None  # eth-abi's own encoding passes its own rule
    assert fast(params, body) == expected


@settings(max_examples=1600, **SETTINGS)
@given(mutated())
def test_mutated_encodings_accepted_exactly_when_the_oracle_accepts(case):
    params, body = case
    expected = oracle(params, body)
    event("oracle accepts" if expected is not None else "oracle rejects")
    assert fast(params, body) == expected


# ---- hand-made malformed encodings --------------------------------------------------------------

def _params(*types: str) -> tuple[Param, ...]:
    return tuple(Param(f"a{i}", t) for i, t in enumerate(types))


def _word(n: int) -> bytes:
    return n.to_bytes(32, "big")


A = "0x" + "11" * 20
BYTES_ARR = encode(["bytes[]"], [[b"\x01", b"\x02"]])  # offset, count 2, offsets 0x40 0x80, two tails


MALFORMED = [
    ("address dirty padding", _params("address"), b"\x01" + bytes(11) + bytes.fromhex("11" * 20)),
    ("uint8 high bits", _params("uint8"), _word(256)),
    ("uint160 high bits", _params("uint160"), _word(1 << 160)),
    ("int8 bad sign extension", _params("int8"), _word(0x80)),
    ("int8 negative not extended", _params("int8"), bytes(31) + b"\xff"),
    ("int16 positive with ff padding", _params("int16"), b"\xff" * 30 + b"\x00\x01"),
    ("bool 2", _params("bool"), _word(2)),
    ("bytes4 dirty padding", _params("bytes4"), b"\xde\xad\xbe\xef" + b"\x00" * 27 + b"\x01"),
    ("bytes tail dirty padding", _params("bytes"), _word(32) + _word(1) + b"\x01" + bytes(30) + b"\x01"),
    ("bytes tail missing padding", _params("bytes"), _word(32) + _word(1) + b"\x01"),
    ("string invalid utf-8", _params("string"), _word(32) + _word(2) + b"\xc3\x28" + bytes(30)),
    ("offset one word too far", _params("bytes"), _word(64) + bytes(32) + _word(1) + b"\x01" + bytes(31)),
    ("offset pointing back into the head", _params("uint256", "bytes"), _word(1) + _word(0)),
    ("two offsets sharing one tail", _params("bytes", "bytes"),
     _word(64) + _word(64) + _word(1) + b"\x01" + bytes(31)),
    ("array offsets swapped (backward)", _params("bytes[]"),
     BYTES_ARR[:64] + BYTES_ARR[96:128] + BYTES_ARR[64:96] + BYTES_ARR[128:]),
    ("array offsets overlapping", _params("bytes[]"), BYTES_ARR[:96] + _word(0x40) + BYTES_ARR[128:]),
    ("short head", _params("address", "uint256"), encode(["address", "uint256"], [A, 1])[:-1]),
    ("short tail", _params("bytes"), encode(["bytes"], [b"x" * 40])[:-1]),
    ("empty for one word", _params("uint256"), b""),
    ("trailing byte", _params("uint256"), _word(1) + b"\x00"),
    ("trailing zero word after a tail", _params("bytes"), encode(["bytes"], [b"\x01"]) + bytes(32)),
    ("huge bytes length", _params("bytes"), _word(32) + _word((1 << 256) - 1) + bytes(32)),
    ("huge array length", _params("uint256[]"), _word(32) + _word(1 << 200) + bytes(64)),
    ("array length past the data", _params("address[]"), _word(32) + _word(3) + _word(1) + _word(2)),
    ("huge offset", _params("bytes"), _word((1 << 256) - 32) + _word(0)),
]


@pytest.mark.parametrize("params,body", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_encodings_are_refused_by_both(params, body):
    assert oracle(params, body) is None
    assert fast(params, body) is None


def test_decode_arguments_names_what_and_where():
    transfer = Function("transfer", _params("address", "uint256"), "test")
    data = function_signature_to_4byte_selector("transfer(address,uint256)") + b"\x01" + bytes(11) + bytes(20) + _word(1)
    with pytest.raises(DecodeError, match=r"transfer\(address,uint256\).*address at byte 0 has non-zero padding"):
        decode_arguments(transfer, data)
    with pytest.raises(DecodeError, match=r"1 extra byte\(s\) after the arguments \(at byte 64\)"):
        decode_arguments(transfer, data[:4] + bytes(32) + _word(1) + b"\x00")


def test_types_outside_the_fast_path_keep_eth_abis_rule():
    weird = Function("f", _params("fixed128x18"), "test")
    assert weird.canonical_decoder is None
    selector = function_signature_to_4byte_selector("f(fixed128x18)")
    assert decode_arguments(weird, selector + _word(10**18))[0].value == 1
    with pytest.raises(DecodeError, match="extra byte"):
        decode_arguments(weird, selector + _word(10**18) + b"\x00")


def test_offsets_at_one_large_element_do_not_amplify():
    """2,000 offsets all pointing at one 32 KB element: eth-abi's decoder alone would build 2,000
    copies (64 MB); the direct decoder refuses at the second offset, using almost no memory."""
    count, element = 2000, b"\xaa" * 32 * 1024
    head = _word(32) + _word(count) + _word(32 * count) * count
    body = head + _word(len(element)) + element
    decoder = compile_inputs(_params("bytes[]"))
    tracemalloc.start()
    try:
        with pytest.raises(NotCanonical, match="offset at byte 96 is 64000"):
            decoder.decode(body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024


def test_bundled_signatures_are_all_on_the_fast_path():
    from decoders.abi import bundled_registry

    functions = [f for bucket in bundled_registry()._by_selector.values() for f in bucket]
    assert functions and all(f.canonical_decoder is not None for f in functions)


@pytest.mark.parametrize("text", ["0xab cd", "0xab\tcd00", "0xabcd\n ", "0x٣٣", "0xzz", "0xab\x0bcd"])
def test_parse_hex_refuses_what_bytes_fromhex_would_skip_or_misread(text):
    """parse_hex's fast path is bytes.fromhex, which skips ASCII whitespace between bytes."""
    from decoders.errors import PayloadError
    from decoders.hexutil import parse_hex

    with pytest.raises(PayloadError, match="hex"):
        parse_hex(text, "data")
