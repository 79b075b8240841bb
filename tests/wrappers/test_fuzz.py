"""Hostile input to the new readers: only Coldsight's typed errors, never a traceback, never "ok" by accident."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from decoders.eip712_any import hash_typed_data
from decoders.errors import ColdsightError
from decoders.formats.executor_tx import decode_transaction, rlp_decode
from decoders.formats.tx_builder import builder_calls, checksum
from decoders.messages import review_message
from decoders.verify import VerifyOptions, verify_bytes
from tests.core.peers import OWNERS, hex0x, service_record

WRAPPER_SELECTORS = [bytes.fromhex(s) for s in (
    "ac9650d8",  # multicall(bytes[])
    "82ad56cb",  # aggregate3((address,bool,bytes)[])
    "6a761202",  # execTransaction(...)
    "b61d27f6",  # execute(address,uint256,bytes)
    "e9e05c42",  # depositTransaction(address,uint256,uint64,bool,bytes)
    "3593564c",  # execute(bytes,bytes[],uint256)
)]
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(selector=st.sampled_from(WRAPPER_SELECTORS), body=st.binary(max_size=400), operation=st.sampled_from([0, 1]))
def test_random_wrapper_calldata_is_read_or_refused(selector, body, operation):
    record = service_record(safeVersion="1.4.1", to=OWNERS[0], operation=operation, data=hex0x(selector + body))
    report = verify_bytes(json.dumps(record).encode(), "fuzz", VerifyOptions(execute=False))
    assert report.verdict != "ok"  # an unknown or undecodable wrapper call is never ok


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=120), typed=st.booleans())
def test_random_rlp_only_raises_payload_errors(raw, typed):
    for call in (lambda: rlp_decode(raw, "fuzz"), lambda: decode_transaction(raw, typed, "fuzz")):
        try:
            call()
        except ColdsightError:
            pass


@settings(max_examples=200, deadline=None)
@given(document=json_values)
def test_random_documents_only_raise_typed_errors(document):
    candidates = [
        lambda: hash_typed_data(document),
        lambda: review_message(document, safe_version="1.4.1", chain_id=1),
        lambda: review_message({"safe": OWNERS[0], "chainId": 1, "safeVersion": "1.4.1", "message": document}),
        lambda: builder_calls({"transactions": document if isinstance(document, list) else [document]}),
        lambda: checksum({"meta": document if isinstance(document, dict) else {}, "transactions": []}),
    ]
    for call in candidates:
        try:
            call()
        except ColdsightError:
            pass
