"""decoders.display_text and the DECEPTIVE_TEXT finding, over the hand-written hostile set."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decoders.display_text import deceptive_code_points, escape
from decoders.report import json_value
from tests.core.helpers import findings_by_code, verify_record
from tests.hostile.hostile_set import (
    ATTACKS,
    EVERY_POINT,
    HOSTILE_POINTS,
    abi_dir_with_note,
    contains_raw_hostile,
    note_record,
)


@pytest.mark.parametrize("point", EVERY_POINT, ids=[f"U+{ord(p):04X}" for p in EVERY_POINT])
def test_every_hostile_code_point_is_escaped_visibly(point):
    shown = escape(f"a{point}b")
    assert point not in shown
    assert shown.isascii() and shown.isprintable()
    # The escape names the code point, so a reader can look it up.
    assert f"{ord(point):02x}" in shown.lower()


@pytest.mark.parametrize("text", ATTACKS)
def test_attacks_leave_no_raw_hostile_character(text):
    assert contains_raw_hostile(escape(text)) == []
    assert deceptive_code_points(text) != []


@pytest.mark.parametrize("text", ["Transfer 5 USDC", "Zürich Straße", "日本語の説明", "ETH → DAI", "emoji 🚀"])
def test_ordinary_text_is_shown_as_is(text):
    assert escape(text) == text
    assert deceptive_code_points(text) == []


def test_keep_spares_only_the_named_characters():
    assert escape("a\nb\rc", keep="\n") == "a\nb\\x0dc"


@given(st.text())
def test_escape_output_never_contains_a_hostile_point_and_is_idempotent(text):
    shown = escape(text)
    assert contains_raw_hostile(shown) == []
    assert escape(shown) == shown


@pytest.mark.parametrize("text", ATTACKS)
def test_a_decoded_string_argument_with_hostile_characters_raises_deceptive_text(text, tmp_path):
    report = verify_record(note_record(text), abi_dir=abi_dir_with_note(tmp_path / "abis"), execute=False)
    found = findings_by_code(report, "DECEPTIVE_TEXT")
    assert len(found) == 1 and found[0].path == "0" and found[0].severity == "warn"
    assert "note" in found[0].message
    assert report.verdict in ("warn", "block")
    # JSON keeps the exact value: the decoded argument round-trips unchanged.
    document = json.loads(json.dumps(report.as_json()))
    assert document["calls"]["args"][0]["value"] == json_value(text)


@pytest.mark.parametrize("text", ["a multi-line\nproposal\n\twith a tab", "plain"])
def test_line_feeds_and_tabs_alone_are_not_flagged(text, tmp_path):
    report = verify_record(note_record(text), abi_dir=abi_dir_with_note(tmp_path / "abis"), execute=False)
    assert findings_by_code(report, "DECEPTIVE_TEXT") == []


def test_the_message_names_the_code_points(tmp_path):
    report = verify_record(note_record("x\u202ey\u200bz"), abi_dir=abi_dir_with_note(tmp_path / "abis"), execute=False)
    (finding,) = findings_by_code(report, "DECEPTIVE_TEXT")
    assert "U+202E" in finding.message and "U+200B" in finding.message
    assert contains_raw_hostile(finding.message) == []


def test_hostile_points_cover_the_issue_list():
    for point in ("\x1b", "\r", "\b", "\u202a", "\u202e", "\u2066", "\u2069", "\u200b", "\u200f", "\u2028",
                  "\u2029", "\ufeff", "\u061c"):
        assert point in HOSTILE_POINTS
