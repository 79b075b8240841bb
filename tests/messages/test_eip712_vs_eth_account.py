"""Generic EIP-712 hashing against eth-account on generated typed data (structs, arrays, atomics)."""

from eth_account.messages import _hash_eip191_message, encode_typed_data
from hypothesis import given, settings
from hypothesis import strategies as st

from decoders.eip712_any import hash_typed_data

ATOMIC = {
    "uint256": st.integers(0, 2**256 - 1),
    "uint8": st.integers(0, 255),
    "int64": st.integers(-(2**63), 2**63 - 1),
    "bool": st.booleans(),
    "address": st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex()),
    "bytes": st.binary(max_size=70).map(lambda b: "0x" + b.hex()),
    "bytes4": st.binary(min_size=4, max_size=4).map(lambda b: "0x" + b.hex()),
    "bytes32": st.binary(min_size=32, max_size=32).map(lambda b: "0x" + b.hex()),
    "string": st.text(max_size=20),
}
NAMES = st.text(alphabet="abcdefghij", min_size=1, max_size=6)


@st.composite
def typed_documents(draw):
    # Inner struct, then the primary struct that may hold it, arrays of it and arrays of atomics.
    inner_fields = draw(st.lists(st.tuples(NAMES, st.sampled_from(sorted(ATOMIC))), min_size=1, max_size=4,
                                 unique_by=lambda f: f[0]))
    outer_fields = draw(st.lists(st.tuples(NAMES, st.sampled_from(sorted(ATOMIC) + ["Inner", "Inner[]", "uint256[]",
                                                                                   "address[2]"])),
                                 min_size=1, max_size=5, unique_by=lambda f: f[0]))

    def inner_value():
        return {name: draw(ATOMIC[kind]) for name, kind in inner_fields}

    message = {}
    for name, kind in outer_fields:
        if kind == "Inner":
            message[name] = inner_value()
        elif kind == "Inner[]":
            message[name] = [inner_value() for _ in range(draw(st.integers(0, 3)))]
        elif kind == "uint256[]":
            message[name] = draw(st.lists(ATOMIC["uint256"], max_size=3))
        elif kind == "address[2]":
            message[name] = [draw(ATOMIC["address"]) for _ in range(2)]
        else:
            message[name] = draw(ATOMIC[kind])
    types = {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
             "Outer": [{"name": n, "type": t} for n, t in outer_fields]}
    if any(t.startswith("Inner") for _, t in outer_fields):
        types["Inner"] = [{"name": n, "type": t} for n, t in inner_fields]
    return {"types": types, "primaryType": "Outer", "domain": {"name": draw(st.text(max_size=10)), "chainId": 1},
            "message": message}


@settings(max_examples=200, deadline=None)
@given(document=typed_documents())
def test_digest_matches_eth_account(document):
    signable = encode_typed_data(full_message=document)
    ours = hash_typed_data(document)
    assert ours.domain == bytes(signable.header)
    assert ours.digest == bytes(_hash_eip191_message(signable))


def test_bytes_and_addresses_are_parsed_as_strictly_as_the_safe_tx_fields():
    import pytest

    from decoders.errors import PayloadError

    def document(kind: str, value: str) -> dict:
        return {"types": {"EIP712Domain": [{"name": "name", "type": "string"}], "M": [{"name": "v", "type": kind}]},
                "primaryType": "M", "domain": {"name": "x"}, "message": {"v": value}}

    # bytes.fromhex alone would skip the space and hash 0x1234; a mixed-case address with a broken
    # EIP-55 checksum is refused by eth-abi (eth-account's encoder) too.
    for kind, value in (("bytes", "0x12 34"), ("bytes4", "0x1234 5678"),
                        ("address", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB49".replace("b4", "B4"))):
        with pytest.raises(PayloadError):
            hash_typed_data(document(kind, value))
