"""The effects' proof comes from the EVM check: the real Safe and MultiSendCallOnly bytecode executed
offline makes exactly the calls the effects are read from (tests/core/test_execution_check.py covers
the check itself)."""

import json

import pytest

from decoders.verify import VerifyOptions, verify_bytes
from tests.core.peers import multisend, packed_entry, service_record
from tests.effects.test_effects import MSCO_141, SAFE, STRANGER, V3_ROUTER, exact_input_single


@pytest.mark.slow
def test_effects_of_an_executed_batch_are_proven():
    blob = packed_entry(0, V3_ROUTER, 0, exact_input_single(STRANGER))
    record = service_record(safe=SAFE, to=MSCO_141, data="0x" + multisend(blob).hex(), operation=1, safeVersion="1.4.1")
    report = verify_bytes(json.dumps(record).encode(), "test", VerifyOptions())
    assert report.execution is not None and report.execution.status == "confirmed"
    assert report.as_json()["effects"]["proof"] == "executed"
    assert [m.recipient for m in report.effects.assets] == [STRANGER]
    assert report.verdict == "block"
