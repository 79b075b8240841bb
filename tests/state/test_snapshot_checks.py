"""The offline trust step on a real snapshot (no network): proofs, binding, tampering, STATE_INCOMPLETE.

tests/state/data/erc20_transfer.bin was written by `coldsight-courier snapshot` from anvil
(tests/state/anvil_chain.py setup: Safe 2-of-3 holding 1000 TT of an OpenZeppelin
ERC20PresetMinterPauser) for erc20_transfer.json: the Safe sends 250 TT to 0x...bEEF. The
expected balances are the scenario's own numbers (1000 minted, 250 sent), not the code's; the
anvil tests (test_proven_state_on_anvil.py) compare the offline effects with what anvil does.
"""

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courier.snapshot import _pack
from decoders.formats import parse_bytes
from decoders.state import SnapshotRefused, read_snapshot, verify_snapshot
from decoders.state.check import bundled_codes, check_state
from decoders.state.snapshot import MAGIC, Snapshot, SnapshotError
from decoders.state.world import Reads
from decoders.verify import verify_payload

DATA = Path(__file__).parent / "data"
SNAPSHOT = (DATA / "erc20_transfer.bin").read_bytes()
PAYLOAD = json.loads((DATA / "erc20_transfer.json").read_text())
SAFE = "0x5AFE00000000000000000000000000000000c01D"
TOKEN = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
RECIPIENT = "0x000000000000000000000000000000000000bEEF"
TT = 10**18


def _report(**changes):
    document = {**PAYLOAD, **changes}
    return verify_payload(parse_bytes(json.dumps(document).encode(), "payload.json"))


def _check(data: bytes = SNAPSHOT, **changes):
    report = _report(**changes)
    return check_state(report, data, "state.bin", now=2_000_000_000)


def _encoded(snapshot: Snapshot, **changes) -> bytes:
    return dataclasses.replace(snapshot, **changes).encode()


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


def test_the_transfer_runs_on_proven_state():
    report, check = _check()
    run = check.run
    assert check.incomplete is None and run is not None and run.success and not run.reverted
    changes = {(c.holder, c.asset): (c.before, c.after) for c in run.balances}
    assert changes == {(SAFE, TOKEN): (1000 * TT, 750 * TT), (RECIPIENT, TOKEN): (0, 250 * TT)}
    assert run.before.threshold == 2 and len(run.before.owners) == 3
    assert run.after.nonce == run.before.nonce + 1 == 1
    # The proven effects agree with the static ones (no EFFECT_MISMATCH); the recipient is in no
    # address book, which the static effects already say (COUNTERPARTY_UNKNOWN, warn).
    assert [f.code for f in report.findings] == ["COUNTERPARTY_UNKNOWN"] and report.verdict == "warn"
    document = report.as_json()
    assert document["state"]["complete"] is True and document["effects"]["proven"]["success"] is True
    assert document["state"]["snapshotBlock"]["hash"] == "0x" + read_snapshot(SNAPSHOT).block_hash.hex()


def test_without_a_snapshot_the_json_is_unchanged():
    document = _report().as_json()
    assert "state" not in document and "effects" not in document or "proven" not in document.get("effects", {})


@pytest.mark.parametrize("part", ["nodes", "codes"])
def test_a_changed_byte_in_any_node_or_code_is_refused(part):
    snapshot = read_snapshot(SNAPSHOT)
    items = getattr(snapshot, part)
    for i, item in enumerate(items):
        for position in sorted({0, len(item) // 2, len(item) - 1}):
            altered = items[:i] + (_flip(item, position),) + items[i + 1:]
            with pytest.raises(SnapshotRefused) as refused:
                verify_snapshot(read_snapshot(_encoded(snapshot, **{part: altered})), bundled_codes())
            assert refused.value.where.startswith(f"snapshot.{'reads' if part == 'nodes' else 'codes'}") \
                or refused.value.where == "snapshot.nodes"


def test_a_changed_byte_in_the_header_or_block_hash_is_refused():
    snapshot = read_snapshot(SNAPSHOT)
    for position in range(0, len(snapshot.header), 7):
        try:
            altered = read_snapshot(_encoded(snapshot, header=_flip(snapshot.header, position)))
        except SnapshotError:
            continue  # the flip broke the RLP itself: refused while reading
        with pytest.raises(SnapshotError):
            verify_snapshot(altered, bundled_codes())
    with pytest.raises(SnapshotRefused, match="header was altered"):
        verify_snapshot(read_snapshot(_encoded(snapshot, block_hash=_flip(snapshot.block_hash, 31))))


def test_another_block_is_refused():
    """Another state root with a matching hash (as a real other block would have): no proof leads to it."""
    import rlp

    from decoders.hexutil import keccak

    snapshot = read_snapshot(SNAPSHOT)
    fields = rlp.decode(snapshot.header)
    fields[3] = keccak(b"another block's state root")
    header = rlp.encode(fields)
    with pytest.raises(SnapshotRefused, match="does not lead from the state root"):
        verify_snapshot(read_snapshot(_encoded(snapshot, header=header, block_hash=keccak(header))))


def test_another_chain_safe_or_transaction_is_refused():
    with pytest.raises(SnapshotRefused, match="chain 31337, the transaction is for chain 1"):
        _check(chainId=1)
    with pytest.raises(SnapshotRefused, match="the snapshot is for Safe"):
        _check(safe="0x5afe00000000000000000000000000000000c01e")
    with pytest.raises(SnapshotRefused, match="made for safeTxHash"):
        _check(nonce=1)


def test_an_extra_node_is_refused():
    snapshot = read_snapshot(SNAPSHOT)
    with pytest.raises(SnapshotRefused, match="lie on no proven path"):
        verify_snapshot(read_snapshot(_encoded(snapshot, nodes=snapshot.nodes + (b"\xc2\x80\x80",))))


def _without(snapshot: Snapshot, address: bytes, slots: set[int]) -> bytes:
    """The snapshot with `slots` of `address` no longer read, and only the nodes still on a path."""
    proven = verify_snapshot(snapshot, bundled_codes())
    reads = Reads(accounts={a: set(s) - (slots if a == address else set()) for a, s in snapshot.reads},
                  codes={a for a, _ in snapshot.reads})
    packed = _pack(snapshot, proven.witness, reads)
    return dataclasses.replace(packed, codes=snapshot.codes).encode()


def test_a_missing_slot_gives_state_incomplete_never_ok():
    snapshot = read_snapshot(SNAPSHOT)
    token = bytes.fromhex(TOKEN[2:])
    slots = dict(snapshot.reads)[token]
    report, check = _check(_without(snapshot, token, set(slots)))
    assert check.run is None and TOKEN in (check.incomplete or "")
    assert [f.code for f in report.findings if f.code.startswith("STATE_")] == ["STATE_INCOMPLETE"]
    assert report.verdict != "ok" and report.as_json()["state"]["complete"] is False


@pytest.mark.slow
def test_any_one_missing_slot_stops_the_run_or_changes_nothing():
    snapshot = read_snapshot(SNAPSHOT)
    full = _check()[1].run.as_json()
    for address, account_slots in snapshot.reads:
        for slot in account_slots:  # one slot less: either the run stops, or the witness still proves it
            _, one_less = _check(_without(snapshot, address, {slot}))
            assert one_less.incomplete is not None or one_less.run.as_json() == full


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d + b"\x00", "RLP"),
    (lambda d: b"\xc0", "13 items"),
    (lambda d: d.replace(MAGIC, b"coldsight-state/9"), "not a Coldsight state snapshot"),
])
def test_unreadable_snapshots_are_refused_clearly(mutate, message):
    with pytest.raises(SnapshotError, match=message):
        read_snapshot(mutate(SNAPSHOT))


def test_reader_bounds_and_strictness():
    snapshot = read_snapshot(SNAPSHOT)
    with pytest.raises(SnapshotError, match="more than the"):
        read_snapshot(b"\0" * (4 * 1024 * 1024 + 1))
    with pytest.raises(SnapshotError, match="appears twice"):
        read_snapshot(_encoded(snapshot, nodes=snapshot.nodes + snapshot.nodes[:1]))
    with pytest.raises(SnapshotError, match="only 1 of the 2 endpoints"):
        read_snapshot(_encoded(snapshot, endpoints_agreed=1, endpoints_asked=2))
    with pytest.raises(SnapshotError, match="more than the 1024 allowed"):
        read_snapshot(_encoded(snapshot, nodes=(b"\x01" * 1025,)))


def test_the_cli_leads_with_what_changes_and_refuses_a_tampered_snapshot(tmp_path):
    from tests.conftest import run_cli

    payload = tmp_path / "tx.json"
    payload.write_text(json.dumps(PAYLOAD))
    good = tmp_path / "state.bin"
    good.write_bytes(SNAPSHOT)
    result = run_cli(["verify", str(payload), "--state", str(good)])
    lines = result.stdout.splitlines()
    assert result.code == 1 and lines[0].startswith("WHAT CHANGES")  # warn: the unnamed recipient
    assert lines[1] == "  The Safe transaction SUCCEEDS on this state."
    assert lines[2].startswith(f"  {SAFE} (this Safe): -250 TT") and lines[3].startswith(f"  {RECIPIENT}: +250 TT")
    assert "the block hash is the courier's word unless you compare it with an independent source" in result.stdout
    assert "endpoint(s) agreed" in result.stdout and "by this machine's clock" in result.stdout
    snapshot = read_snapshot(SNAPSHOT)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(_encoded(snapshot, codes=(_flip(snapshot.codes[0], 100),)))
    refused = run_cli(["verify", str(payload), "--state", str(bad), "--format", "json"])
    error = json.loads(refused.stdout)["error"]
    assert refused.code == 3 and error["code"] == "STATE_REFUSED" and "no proven account has" in error["message"]
    plain = run_cli(["verify", str(payload)])
    assert plain.code == 1 and "WHAT CHANGES" not in plain.stdout


def test_the_snapshot_travels_as_ur_bytes_text(tmp_path):
    from app.qr.encode import bytes_ur, ur_texts
    from tests.conftest import run_cli

    payload = tmp_path / "tx.json"
    payload.write_text(json.dumps(PAYLOAD))
    texts = tmp_path / "state.txt"
    texts.write_text("\n".join(ur_texts(bytes_ur(SNAPSHOT), 200)) + "\n")
    result = run_cli(["verify", str(payload), "--state", str(texts), "--format", "json"])
    assert result.code == 1 and json.loads(result.stdout)["state"]["complete"] is True


def test_the_review_screen_shows_what_changes_first(qtbot):
    from app.gui.review_view import ReviewView
    from app.service import Review

    report, _ = _check()
    view = ReviewView(Review(report=report))
    qtbot.addWidget(view)
    assert view.state_card is not None
    cards = [view.column.itemAt(i).widget() for i in range(view.column.count()) if view.column.itemAt(i).widget()]
    assert cards.index(view.state_card) < cards.index(view.intents_card)
    texts = [label.text() for label in view.state_card.findChildren(__import__("PySide6.QtWidgets").QtWidgets.QLabel)]
    assert "The Safe transaction SUCCEEDS on this state." in texts
    assert any(text.startswith(f"{RECIPIENT}: +250 TT") for text in texts)
    assert any("the courier's word" in text for text in texts)
    plain = ReviewView(Review(report=_report()))
    qtbot.addWidget(plain)
    assert plain.state_card is None


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_mutation_is_refused_clearly_or_changes_no_proven_effect(data):
    """Hostile bytes: flips, cuts and insertions anywhere. The outcome is a ColdsightError naming
    where, or a run whose effects are the original's (a field nothing proves, e.g. the block tag,
    was changed) or STATE_INCOMPLETE; never a traceback, never other effects."""
    from decoders.errors import ColdsightError

    position = data.draw(st.integers(0, len(SNAPSHOT) - 1))
    kind = data.draw(st.sampled_from(["flip", "cut", "insert"]))
    if kind == "flip":
        mutated = _flip(SNAPSHOT, position) if data.draw(st.booleans()) else \
            SNAPSHOT[:position] + bytes([data.draw(st.integers(0, 255))]) + SNAPSHOT[position + 1:]
    elif kind == "cut":
        mutated = SNAPSHOT[:position] + SNAPSHOT[position + data.draw(st.integers(1, 64)):]
    else:
        mutated = SNAPSHOT[:position] + data.draw(st.binary(min_size=1, max_size=8)) + SNAPSHOT[position:]
    try:
        _, check = _check(mutated)
    except ColdsightError as err:
        assert err.where and err.message
        return
    assert check.incomplete is not None or check.run.as_json() == _check()[1].run.as_json()


def _nested(depth: int) -> bytes:
    inner = b"\xc0"
    for _ in range(depth):
        size = len(inner)
        length = size.to_bytes((size.bit_length() + 7) // 8, "big")
        inner = (bytes([0xC0 + size]) if size < 56 else bytes([0xF7 + len(length)]) + length) + inner
    return inner


def test_deep_rlp_nesting_is_refused_before_any_recursive_decoding():
    """The RLP library decodes recursively: nesting is bounded before it runs, in the file, in a
    node (its hash can be made the state root of a header the courier vouches for) and in a header."""
    with pytest.raises(SnapshotError, match="nested deeper than 4"):
        read_snapshot(_nested(100_000))
    snapshot = read_snapshot(SNAPSHOT)
    with pytest.raises(SnapshotError, match="nested deeper than 8"):
        read_snapshot(_encoded(snapshot, nodes=(_nested(300),)))
    import rlp

    from decoders.hexutil import keccak

    fields = rlp.decode(snapshot.header)
    fields[3] = keccak(_nested(5))  # a shallow but well-formed hostile root: refused by the proofs
    header = rlp.encode(fields)
    with pytest.raises(SnapshotRefused, match="not a valid trie node"):
        verify_snapshot(read_snapshot(_encoded(snapshot, header=header, block_hash=keccak(header), nodes=(_nested(5),))))


def test_effects_the_static_reading_does_not_show_are_a_mismatch():
    """The comparison rules on the real run (the Safe sends 250 TT), against static readings that
    show it, and that do not (as a wrong or missing decoding would)."""
    from types import SimpleNamespace

    from decoders.state.crosscheck import effect_mismatches

    report, check = _check()

    def static(**kinds):
        empty = {"assets": (), "allowances": (), "settings": (), "authority": (), "refunds": ()}
        return SimpleNamespace(context=report.context, effects=SimpleNamespace(**{**empty, **kinds}))

    shown = static(assets=(SimpleNamespace(sender=SAFE, asset=TOKEN),))
    assert effect_mismatches(shown, check.run) == []
    silent = effect_mismatches(static(), check.run)
    assert [f.code for f in silent] == ["EFFECT_MISMATCH"] and f"loses 250 TT of token {TOKEN}" in silent[0].message
    other_token = effect_mismatches(static(assets=(SimpleNamespace(sender=SAFE, asset=RECIPIENT),)), check.run)
    assert len(other_token) == 1 and other_token[0].severity == "critical"
