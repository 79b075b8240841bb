"""Every payload kind (transaction, Safe message, executor's transaction, Transaction Builder file,
nested approval with its child) through every door: opened as a file in the GUI (the window asks
for what the kind needs), and CLI text, JSON, GUI and PNG list the same reasons."""

import pytest

from tests.app.kinds import KINDS, Answers, write_kind
from tests.app.test_same_reasons_everywhere import options_for, text_reasons
from tests.conftest import run_cli


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))


def open_in_window(qtbot, make_window, kind):
    answers = Answers(kind)
    window = make_window(options=options_for(kind.args), prompts=answers)
    window.load_file(str(kind.payload))
    qtbot.waitUntil(lambda: window.session.phase.value in ("reviewing", "failed"), timeout=20_000)
    assert window.session.phase.value == "reviewing", window.session.problem
    return window, answers


EXPECTED_QUESTIONS = {"transaction": [], "message": [], "executor": ["nonce"], "builder": ["transaction"],
                      "nested": ["child"]}


@pytest.mark.parametrize("name", KINDS)
def test_the_gui_opens_every_kind_from_a_file(name, qtbot, make_window, tmp_path):
    from app.service import MessageItem, Review

    kind = write_kind(name, tmp_path / "payloads")
    window, answers = open_in_window(qtbot, make_window, kind)
    assert answers.asked == EXPECTED_QUESTIONS[name]
    shown = window.session.review
    document = run_cli(["verify", *kind.cli_args, "--format", "json"]).json()
    assert shown.verdict == document["verdict"]
    if name == "message":
        assert isinstance(shown, MessageItem)
        assert "0x" + shown.message.hashes.safe_message.hex() == document["hashes"]["safeMessage"]
        return
    assert isinstance(shown, Review)
    assert "0x" + shown.report.hashes.safe_tx.hex() == document["hashes"]["safeTx"]
    codes = {f.code for f in shown.report.findings}
    if name == "builder":  # the file says 6, the transaction sends 5: the comparison ran
        assert "BUILDER_MISMATCH" in codes and shown.verdict == "block"
    if name == "nested":  # reviewed with its child: the approval is no longer opaque
        assert shown.child is not None and "OPAQUE_APPROVAL" not in codes
    if name == "executor":
        assert shown.report.payload.tx.nonce == 7


def test_declining_to_answer_returns_to_the_start_and_records_nothing(qtbot, make_window, tmp_path):
    kind = write_kind("executor", tmp_path / "payloads")
    kind.nonce = None
    answers = Answers(kind)
    window = make_window(options=options_for(kind.args), prompts=answers)
    window.load_file(str(kind.payload))
    qtbot.waitUntil(lambda: answers.asked == ["nonce"] and window.session.phase.value == "start", timeout=20_000)
    assert window.session.record is None


def test_verify_recognises_a_message_file_without_a_flag():
    from tests.app.kinds import PAYLOADS

    result = run_cli(["verify", str(PAYLOADS / "message-permit2.json"), "--format", "json"])
    assert result.code in (0, 1, 2), result.stderr
    assert result.json()["schema"] == "coldsight.message/1"


def test_without_the_extra_input_the_cli_names_the_flag(tmp_path):
    for name, flag in (("executor", "--executor-nonce"), ("builder", "--tx-builder")):
        kind = write_kind(name, tmp_path / name)
        result = run_cli(["verify", str(kind.payload)])
        assert result.code == 3 and flag in result.stderr, result.stderr


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_lists_the_same_reasons_through_every_door(name, qtbot, make_window, monkeypatch, tmp_path):
    kind = write_kind(name, tmp_path / "payloads")
    text = run_cli(["verify", *kind.cli_args])
    document = run_cli(["verify", *kind.cli_args, "--format", "json"]).json()
    assert text.code in (0, 1, 2), text.stderr
    reasons = text_reasons(text.stdout)
    assert reasons or name == "transaction", text.stdout  # every other kind here has something to say
    counted = [(f["severity"], f["code"]) for f in document["findings"]]
    assert [(severity, code) for severity, _, code in reasons if code] == counted

    window, _ = open_in_window(qtbot, make_window, kind)
    gui = [label.text() for label in window.centralWidget().view.reason_labels]
    assert gui == [sentence for _, sentence, _ in reasons]

    import app.gui.render as render

    rendered: list[list[str]] = []
    build = render.review_widget

    def capture(*a, **k):
        widget = build(*a, **k)
        rendered.append([label.text() for label in widget.view.reason_labels])
        return widget

    monkeypatch.setattr(render, "review_widget", capture)
    result = run_cli(["render", *kind.cli_args, "--out", str(tmp_path / "review.png")])
    assert result.code == text.code and (tmp_path / "review.png").stat().st_size > 1000
    assert rendered == [gui]
