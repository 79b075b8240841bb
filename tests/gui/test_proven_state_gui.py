"""The GUI with a proven snapshot (issue 20): opened as the second item (Ctrl+Shift+O), the open
transaction is reviewed again on it and its review screen leads with what changes."""

from pathlib import Path

import pytest

from tests.gui.conftest import wait_phase

DATA = Path(__file__).resolve().parents[1] / "state" / "data"


@pytest.mark.slow
def test_opening_a_snapshot_reviews_the_open_transaction_on_it(qtbot, make_window):
    window = make_window()
    window.load_file(str(DATA / "erc20_transfer.json"))
    wait_phase(qtbot, window, "reviewing")
    assert window.centralWidget().view.state_card is None  # without a snapshot nothing changes
    window.load_snapshot(str(DATA / "erc20_transfer.bin"))
    qtbot.waitUntil(lambda: getattr(getattr(window.centralWidget(), "view", None), "state_card", None) is not None,
                    timeout=20_000)
    view = window.centralWidget().view
    texts = [label.text() for label in view.state_card.findChildren(type(view.banner.headline))]
    assert "The Safe transaction SUCCEEDS on this state." in texts
    assert any(text.startswith("0x000000000000000000000000000000000000bEEF: +250 TT") for text in texts)
