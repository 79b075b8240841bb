"""The signer sees what the EVM check proved: one line under the verdict in the text report and the GUI,
never "confirmed"-sounding words for a run that did not cover every call."""

from app.service import Review
from app.text_report import render
from tests.builders import address, erc20_transfer, service_record
from tests.core.helpers import verify_record

SAFE, TOKEN = address("safe"), address("token")


def _review(**extra) -> Review:
    # paid to the Safe itself: no counterparty to judge, so the verdict is the EVM check's alone (issue 18)
    return Review(report=verify_record(service_record(SAFE, TOKEN, data=erc20_transfer(SAFE, 1), nonce=3,
                                                      safe_version="1.4.1", **extra)))


def test_the_text_report_says_under_the_verdict_that_the_call_matches():
    lines = render(_review()).splitlines()
    assert lines[0].startswith("OK")
    assert lines[1] == "Checked by executing the Safe's code (Safe 1.4.1): the call matches"


def test_the_text_report_says_what_a_partial_run_did_not_cover():
    lines = render(_review(safeTxGas=str(10**9))).splitlines()
    assert lines[0].startswith("BLOCK")
    assert lines[1].startswith("Only partly checked by executing the Safe's code (Safe 1.4.1): 0 of 1 calls proven; ")
    assert "GS010" in lines[1] and "match" not in lines[1]


def test_the_gui_shows_the_line_under_the_verdict(qtbot):
    from app.gui.review_view import ReviewView

    view = ReviewView(_review(safeTxGas=str(10**9)))
    qtbot.addWidget(view)
    layout = view.column
    assert layout.itemAt(0).widget() is view.banner
    assert layout.itemAt(1).widget() is view.execution_line
    assert view.execution_line.text().startswith("Only partly checked by executing the Safe's code")
