"""A delegatecall hands the caller's full control to the callee: that is an effect (who gets control),
named on the first screen as a counterparty, not only a finding on the call (DESIGN: judge effects).

The Bybit payload (examples/, the real transaction's fields) delegatecalls 0x9622…7242; MultiSendCallOnly
(safe-deployments 1.4.1 canonical address) is a bundled library whose own code runs its entries, so it
hands control to no one.
"""

import json
from pathlib import Path

from decoders.effects import DELEGATED_CONTROL
from decoders.verify import VerifyOptions, verify_bytes
from tests.builders import multisend, packed_entry, service_record
from tests.wrappers.test_wrappers import MSCO_141, SAFE

ROOT = Path(__file__).resolve().parents[2]
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"  # the Bybit delegatecall target (examples/bybit-attack.json)
PAYEE = "0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c"  # made up


def test_the_bybit_delegatecall_gives_control_to_its_target_and_names_it():
    report = verify_bytes((ROOT / "examples" / "bybit-attack.json").read_bytes(), "bybit", VerifyOptions())
    [change] = report.effects.authority
    assert (change.role, change.holder, change.action, change.path) == (DELEGATED_CONTROL, ATTACKER, "grant", "0")
    party = report.effects.counterparty(ATTACKER)
    assert party is not None and party.judgement == "unknown"
    # judged once, where the call is: no second (ownership) finding for the same effect
    assert [f.code for f in report.findings if f.path == "0" and f.severity == "critical"] == ["DELEGATECALL_UNTRUSTED"]


def test_a_batch_through_the_canonical_call_only_library_gives_no_control_away():
    record = service_record(SAFE, MSCO_141, data=multisend(packed_entry(0, PAYEE, 1, b"")), operation=1,
                            safe_version="1.4.1")
    report = verify_bytes(json.dumps(record).encode(), "batch", VerifyOptions(execute=False))
    assert report.effects.authority == ()
    assert [p.address for p in report.effects.counterparties] == [PAYEE]
