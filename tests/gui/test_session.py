"""The review session's rules, without Qt: block only discards, warn needs every tick, log lines."""

import json

import pytest

from app.presentation import acknowledgements_for
from app.qr.scan import ScanProgress
from app.review_log import ReviewLog, default_log_path
from app.service import Review, ReviewOptions, review_payload
from app.session import Decision, Phase, Problem, ReviewSession, SessionError
from tests.gui.conftest import BOOK, BYBIT, OK, WARN, peer_safe_tx_hash


def progress(parts_seen: int = 0, total: int = 0) -> ScanProgress:
    return ScanProgress(parts_seen=parts_seen, fragments_total=total, estimated_remaining=max(total - parts_seen, 0),
                        percent=100 * parts_seen / total if total else 0.0, rejected=0, restarts=0, frames=parts_seen,
                        codes=parts_seen, ur_type="bytes" if total else None)


class ListSink:
    def __init__(self):
        self.records = []

    def append(self, record):
        self.records.append(record)


def reviewing(path, sink=None) -> ReviewSession:
    session = ReviewSession(sink=sink, clock=lambda: "2026-01-02T03:04:05+00:00")
    session.begin_verifying(str(path))
    session.show_review(review_payload(ReviewOptions(payload=str(path), address_book=BOOK)))
    return session


def test_scan_then_cancel_returns_to_start():
    session = ReviewSession()
    seen = []
    session.listeners.append(lambda s: seen.append(s.phase))
    session.start_scan()
    session.scan_progress(progress(3, 10))
    assert session.progress.parts_seen == 3
    session.cancel_scan()
    assert session.phase is Phase.START
    assert seen == [Phase.SCANNING, Phase.SCANNING, Phase.START]


@pytest.mark.parametrize("action", [
    lambda s: s.decide(Decision.DISCARDED),
    lambda s: s.decide(Decision.REVIEWED),
    lambda s: s.scan_progress(progress()),
    lambda s: s.cancel_scan(),
    lambda s: s.tick("finding:0:X"),
])
def test_transitions_not_allowed_from_start(action):
    session = ReviewSession()
    with pytest.raises(SessionError):
        action(session)
    assert session.phase is Phase.START


def test_block_can_only_be_discarded():
    sink = ListSink()
    session = reviewing(BYBIT, sink)
    assert session.verdict == "block"
    assert not session.can_mark_reviewed
    with pytest.raises(SessionError, match="only be discarded"):
        session.decide(Decision.REVIEWED)
    assert session.phase is Phase.REVIEWING and sink.records == []
    record = session.decide(Decision.DISCARDED)
    assert session.phase is Phase.DECIDED
    assert sink.records == [record]
    assert record.verdict == "block" and record.decision is Decision.DISCARDED
    assert record.safe_tx_hash == peer_safe_tx_hash(BYBIT)
    assert record.safe == "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4" and record.nonce == 71


def test_warn_needs_every_tick():
    session = reviewing(WARN)
    keys = [a.key for a in session.acknowledgements]
    assert session.verdict == "warn" and len(keys) == 2  # MultiSend delegatecall-capable + token approval
    assert not session.can_mark_reviewed
    session.tick(keys[0])
    assert not session.can_mark_reviewed
    with pytest.raises(SessionError, match="tick every warning"):
        session.decide(Decision.REVIEWED)
    session.tick(keys[1])
    assert session.can_mark_reviewed
    session.tick(keys[0], False)
    assert not session.can_mark_reviewed
    session.tick(keys[0])
    record = session.decide(Decision.REVIEWED)
    assert record.acknowledged == tuple(keys) and record.verdict == "warn"


def test_unknown_tick_is_refused():
    session = reviewing(WARN)
    with pytest.raises(SessionError):
        session.tick("finding:99:NOPE")


def test_ok_can_be_marked_reviewed_at_once():
    session = reviewing(OK)
    assert session.verdict == "ok" and session.acknowledgements == []
    assert session.can_mark_reviewed
    assert session.decide(Decision.REVIEWED).safe_tx_hash == peer_safe_tx_hash(OK)


def test_failure_is_a_blocking_state():
    sink = ListSink()
    session = ReviewSession(sink=sink)
    session.begin_verifying("x.json")
    session.fail(Problem("This payload cannot be verified", "missing SafeTx field(s): nonce", "x.json"))
    assert session.phase is Phase.FAILED and session.verdict == "block"
    assert not session.can_mark_reviewed
    with pytest.raises(SessionError):
        session.decide(Decision.REVIEWED)
    record = session.decide(Decision.DISCARDED)
    assert record.error == "missing SafeTx field(s): nonce" and record.safe_tx_hash is None
    session.restart()
    assert session.phase is Phase.START and session.report is None and session.problem is None


class FakeReport:
    """Only what the presentation reads: no finding of its own."""

    findings: list = []


class WarnPolicy:
    """A policy result that says warn without a single warning call to tick."""

    verdict = "warn"
    calls: list = []
    batch: list = []
    binding_error = None
    unsigned = False
    example = False

    def waiver_for(self, finding):
        return None


def test_warn_verdict_without_warn_findings_still_asks_for_a_tick():
    items = acknowledgements_for(Review(report=FakeReport(), policy=WarnPolicy()))
    assert [item.key for item in items] == ["verdict:warn"]


def test_policy_warnings_are_ticked_too():
    class Call:
        path, outcome, message = "0.1", "warn", "recipient not in the address book"

    class Policy(WarnPolicy):
        calls = [Call()]

    items = acknowledgements_for(Review(report=FakeReport(), policy=Policy()))
    assert [item.key for item in items] == ["policy:0.1"]
    assert "recipient not in the address book" in items[0].text


def test_review_log_appends_json_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))
    log = ReviewLog()
    assert log.path == tmp_path / "state" / "review-log.jsonl" == default_log_path()
    reviewing(BYBIT, log).decide(Decision.DISCARDED)
    reviewing(OK, log).decide(Decision.REVIEWED)
    lines = log.path.read_text().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert (first["decision"], first["verdict"]) == ("discarded", "block")
    assert (second["decision"], second["verdict"]) == ("reviewed", "ok")
    assert first["hashes"]["safeTx"] == peer_safe_tx_hash(BYBIT)
    assert first["time"] == "2026-01-02T03:04:05+00:00"


def test_default_log_path_without_env(monkeypatch, tmp_path):
    monkeypatch.delenv("COLDSIGHT_STATE_DIR", raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_log_path() == tmp_path / ".local" / "state" / "coldsight" / "review-log.jsonl"
