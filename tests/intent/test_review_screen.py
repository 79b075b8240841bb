"""The GUI review screen leads with the intents, riskiest first, exact values one click away;
the text output leads with them too."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO_ROOT, run_cli

PAYLOAD = REPO_ROOT / "docs" / "screenshots" / "payloads" / "intents-lookalike.json"
BOOK = REPO_ROOT / "docs" / "screenshots" / "payloads" / "addressbook.csv"
# In full, the characters that differ from payroll's address (0x553bcb0FBb3774067e89AEDF5308AfF836f99e5a) marked.
LOOKALIKE = ("0x553B[f0]0[d]b[Abe]74067e89aEdF5308AFF836f99E5A (unknown; "
             "LOOKS LIKE payroll 0x553bcb0FBb3774067e89AEDF5308AfF836f99e5a)")


def _review():
    from app.service import ReviewOptions, review_payload

    return review_payload(ReviewOptions(payload=str(PAYLOAD), address_book=Path(BOOK)))


def test_gui_leads_with_intents_riskiest_first(qtbot):
    from PySide6.QtWidgets import QPushButton

    from app.gui.review_view import ReviewView

    view = ReviewView(_review())
    qtbot.addWidget(view)
    column = view.column
    assert column.itemAt(0).widget() is view.banner
    assert column.itemAt(1).widget() is view.execution_line  # what executing the Safe's code proved
    assert column.itemAt(2).widget() is view.intents_card  # before the reasons, hashes and call tree
    texts = [label.text() for label in view.intent_labels]
    assert texts[0].startswith(f"Send 150,000 USDC to {LOOKALIKE}")  # critical: a lookalike receives tokens
    assert texts[1] == "Approve Permit2 (0x0000…8BA3) to spend UNLIMITED USDC"  # critical
    assert texts[2].startswith("Run a batch of 2 call(s)")  # nothing found on it
    raw = view.intent_raw_labels[0]
    assert raw.isHidden() and "150000000000" in raw.text()
    button = next(b for b in view.intents_card.findChildren(QPushButton) if b.accessibleName().endswith("call 0.0"))
    button.click()
    assert not raw.isHidden()


def test_text_output_leads_with_intents(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path))
    assert run_cli(["addressbook", "import", str(BOOK)]).code == 0
    lines = run_cli(["verify", str(PAYLOAD)]).stdout.splitlines()
    assert lines[0].startswith("BLOCK")
    assert lines[1].startswith("Checked by executing the Safe's code")  # the EVM check, under the verdict
    assert lines[2].startswith("What it does")
    assert lines[3].startswith(f"  0.0    [X] Send 150,000 USDC to {LOOKALIKE}")
    assert lines[4] == "  0.1    [X] Approve Permit2 (0x0000…8BA3) to spend UNLIMITED USDC"
