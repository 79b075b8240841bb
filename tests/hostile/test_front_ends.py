"""No hostile code point from a payload reaches a terminal or a screen raw: CLI text (stdout and
stderr), CLI errors, the GUI review and error screens, and the widget the PNG render grabs.
JSON output keeps the exact value (as a JSON escape)."""

import json
from pathlib import Path

import pytest

from app.sanitize import TerminalGuard, display
from tests.builders import address, service_record
from tests.conftest import run_cli
from tests.hostile.hostile_set import (
    ATTACKS,
    EVERY_POINT,
    NOTE_TARGET,
    SAFE,
    abi_dir_with_note,
    contains_raw_hostile,
    note_record,
)

ALL_IN_ONE = "".join(EVERY_POINT) + ATTACKS[0]


def widget_texts(widget) -> list[str]:
    """Every string a widget tree shows: labels, buttons, check boxes, tree cells and tooltips."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QTreeWidget, QTreeWidgetItemIterator

    texts = [label.text() for label in widget.findChildren(QLabel)]
    texts += [button.text() for button in widget.findChildren(QAbstractButton)]
    for tree in widget.findChildren(QTreeWidget):
        iterator = QTreeWidgetItemIterator(tree)
        while iterator.value():
            item = iterator.value()
            texts += [item.text(c) for c in range(item.columnCount())]
            texts += [item.toolTip(c) for c in range(item.columnCount())]
            iterator += 1
    return texts


@pytest.fixture
def hostile_payload(tmp_path) -> tuple[Path, Path]:
    payload = tmp_path / "hostile.json"
    payload.write_text(json.dumps(note_record(ALL_IN_ONE)))
    return payload, abi_dir_with_note(tmp_path / "abis")


def test_cli_text_escapes_a_hostile_decoded_string(hostile_payload):
    payload, abis = hostile_payload
    result = run_cli(["verify", str(payload), "--abi-dir", str(abis)])
    assert result.code in (1, 2), result.stderr
    assert contains_raw_hostile(result.stdout) == [] and contains_raw_hostile(result.stderr) == []
    assert "[DECEPTIVE_TEXT]" in result.stdout
    assert "\\x1b[2J" in result.stdout  # shown, escaped, where the argument is listed


def test_cli_json_keeps_the_exact_value(hostile_payload):
    payload, abis = hostile_payload
    result = run_cli(["verify", str(payload), "--abi-dir", str(abis), "--format", "json"])
    document = result.json()
    assert document["calls"]["args"][0]["value"] == ALL_IN_ONE
    assert "DECEPTIVE_TEXT" in [f["code"] for f in document["findings"]]
    assert contains_raw_hostile(result.stdout) == []


def _hostile_error_payloads(tmp_path: Path) -> dict[str, list[str]]:
    """argv for each error path whose message echoes payload- or user-supplied text."""
    cases = {}
    version = tmp_path / "version.json"
    version.write_text(json.dumps(service_record(SAFE, address("x"), safe_version="1.3.0+" + ALL_IN_ONE)))
    cases["version suffix"] = [str(version)]
    typed = tmp_path / "typed.json"
    typed.write_text(json.dumps({"types": {"EIP712Domain": [], "SafeTx": []}, "domain": {}, "primaryType": "SafeTx",
                                 "message": {}, ALL_IN_ONE: 1}))
    cases["typed-data key"] = [str(typed)]
    message_key = tmp_path / "typed-message.json"
    message_key.write_text(json.dumps({
        "types": {"EIP712Domain": [{"name": "verifyingContract", "type": "address"}],
                  "SafeTx": [{"name": n, "type": t} for n, t in [
                      ("to", "address"), ("value", "uint256"), ("data", "bytes"), ("operation", "uint8"),
                      ("safeTxGas", "uint256"), ("baseGas", "uint256"), ("gasPrice", "uint256"),
                      ("gasToken", "address"), ("refundReceiver", "address"), ("nonce", "uint256")]]},
        "domain": {"verifyingContract": SAFE}, "primaryType": "SafeTx", "message": {ALL_IN_ONE: "0"}}))
    cases["typed-data message key"] = [str(message_key)]
    name = tmp_path / ("file" + "\x1b[2J\u202e\u200b\r" + ".json")
    name.write_text("{not json")
    cases["file name"] = [str(name)]
    ur = tmp_path / "ur.txt"
    ur.write_text("ur:" + ALL_IN_ONE.replace("\n", "") + "/abc")
    cases["UR text"] = [str(ur)]
    duplicate = tmp_path / "duplicate.json"
    duplicate.write_text('{"' + json.dumps(ALL_IN_ONE)[1:-1] + '": 1, "' + json.dumps(ALL_IN_ONE)[1:-1] + '": 2}')
    cases["duplicate JSON key"] = [str(duplicate)]
    cases["missing file"] = [str(tmp_path / ("missing" + ATTACKS[4]))]
    return cases


@pytest.mark.parametrize("case", ["version suffix", "typed-data key", "typed-data message key", "file name", "UR text",
                                  "duplicate JSON key", "missing file"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_errors_escape_hostile_text(case, fmt, tmp_path):
    argv = ["verify", *_hostile_error_payloads(tmp_path)[case], "--safe-version", "1.3.0", "--chain-id", "1",
            "--format", fmt]
    result = run_cli(argv)
    assert result.code == 3, (result.stdout, result.stderr)
    assert result.stderr.startswith("coldsight: ")
    assert contains_raw_hostile(result.stdout) == [] and contains_raw_hostile(result.stderr) == [], result.stderr
    if fmt == "json":
        assert result.json()["schema"] == "coldsight.error/1"


def test_terminal_guard_keeps_json_byte_exact():
    import io

    document = json.dumps({"value": ALL_IN_ONE, "path": "a\\b"}, indent=2)
    sink = io.StringIO()
    TerminalGuard(sink).write(document)
    assert sink.getvalue() == document


def test_gui_review_screen_shows_no_raw_hostile_text(hostile_payload, qtbot, make_window):
    from app.service import ReviewOptions

    payload, abis = hostile_payload
    window = make_window(options=ReviewOptions(abi_dir=abis))
    window.load_file(str(payload))
    qtbot.waitUntil(lambda: window.session.phase.value == "reviewing", timeout=15_000)
    texts = widget_texts(window)
    assert any("\\x1b[2J" in text for text in texts)  # the argument is there, escaped
    assert [text for text in texts if contains_raw_hostile(text)] == []
    reasons = [label.text() for label in window.centralWidget().view.reason_labels]
    assert any("terminal-control characters (U+0000" in reason for reason in reasons)


@pytest.mark.parametrize("case", ["version suffix", "typed-data key", "file name", "UR text"])
def test_gui_error_screen_shows_no_raw_hostile_text(case, tmp_path, qtbot, make_window):
    from app.service import ReviewOptions

    window = make_window(options=ReviewOptions(chain_id=1, safe_version="1.3.0"))
    window.load_file(_hostile_error_payloads(tmp_path)[case][0])
    qtbot.waitUntil(lambda: window.session.phase.value == "failed", timeout=15_000)
    texts = widget_texts(window)
    assert [text for text in texts if contains_raw_hostile(text)] == []


def test_png_render_widget_shows_no_raw_hostile_text(hostile_payload, monkeypatch, tmp_path):
    import app.gui.render as render

    payload, abis = hostile_payload
    grabbed: list[list[str]] = []
    build = render.review_widget

    def capture(*args, **kwargs):
        widget = build(*args, **kwargs)
        grabbed.append(widget_texts(widget))
        return widget

    monkeypatch.setattr(render, "review_widget", capture)
    result = run_cli(["render", str(payload), "--abi-dir", str(abis), "--out", str(tmp_path / "r.png")])
    assert result.code in (1, 2) and (tmp_path / "r.png").stat().st_size > 1000, result.stderr
    (texts,) = grabbed
    assert any("\\x1b[2J" in text for text in texts)
    assert [text for text in texts if contains_raw_hostile(text)] == []
    assert contains_raw_hostile(result.stdout + result.stderr) == []


def test_display_is_one_line():
    assert "\n" not in display("a\nb\u2028c") and NOTE_TARGET


def _hostile_policy(tmp_path: Path, label_key: bool = False) -> Path:
    """The treasury example with attacker-style text in its names and description (and, with
    `label_key`, in an address-book label, which the policy schema refuses)."""
    from tests.conftest import REPO_ROOT

    text = (REPO_ROOT / "policies" / "examples" / "treasury.toml").read_text()
    hostile = "\\u200b\\u001b[2J\\u001b[32mOK\\u202e"
    text = text.replace('name = "Payroll Safe"', f'name = "Payroll{hostile} Safe"')
    text = text.replace('description = "Example treasury policy', f'description = "Example{hostile} treasury policy')
    if label_key:
        text = text.replace("payroll = { chain = 1,", f'"payroll{hostile}" = {{ chain = 1,')
    path = tmp_path / "hostile-policy.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("label_key", [False, True], ids=["names", "label-key"])
def test_policy_text_reaches_no_terminal_or_screen_raw(label_key, tmp_path, qtbot, make_window):
    from app.service import ReviewOptions
    from tests.conftest import REPO_ROOT

    payload = REPO_ROOT / "policies" / "examples" / "payloads" / "treasury-payroll-batch.json"
    policy = _hostile_policy(tmp_path, label_key)
    result = run_cli(["verify", str(payload), "--policy", str(policy), "--unsigned-policy"])
    assert result.code in ((3,) if label_key else (0, 1, 2)), result.stderr
    assert contains_raw_hostile(result.stdout) == [] and contains_raw_hostile(result.stderr) == []

    window = make_window(options=ReviewOptions(policy=policy, unsigned_policy=True))
    window.load_file(str(payload))
    qtbot.waitUntil(lambda: window.session.phase.value in ("reviewing", "failed"), timeout=15_000)
    assert [text for text in widget_texts(window) if contains_raw_hostile(text)] == []
