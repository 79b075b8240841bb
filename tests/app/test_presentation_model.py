"""The presentation model is complete: hashes, SafeTx fields, attached signatures, notes and the
policy card are built once (app.presentation) and the text report and the GUI show the same words."""

import pytest

from tests.conftest import REPO_ROOT

POLICY_EXAMPLES = REPO_ROOT / "policies" / "examples"
CASES = [
    ("corpus", REPO_ROOT / "tests" / "corpus" / "benign-add-owner.json", None),
    ("policy", POLICY_EXAMPLES / "payloads" / "treasury-large-transfer.json", POLICY_EXAMPLES / "treasury.toml"),
    ("bybit", REPO_ROOT / "examples" / "bybit-attack.json", None),
]


@pytest.mark.parametrize("name,payload,policy", CASES, ids=[case[0] for case in CASES])
def test_text_and_gui_show_the_presentations_hashes_fields_signatures_and_policy(name, payload, policy, tmp_path,
                                                                                 qtbot):
    from decoders.eip712 import hardware_wallet_groups

    from app.gui.review_view import ReviewView
    from app.presentation import present
    from app.service import ReviewRequest, review
    from app.text_report import render

    result = review(ReviewRequest(payload=str(payload), policy=policy, state_dir=tmp_path / "state"))
    shown = present(result)
    hashes = result.report.hashes
    assert [(row.title, row.digest) for row in shown.hashes] == [
        ("Domain hash", hashes.domain), ("Message hash", hashes.message), ("safeTxHash", hashes.safe_tx)]
    assert {field.name: field.text for field in shown.fields}["nonce"] == str(result.report.payload.tx.nonce)
    assert len(shown.signatures) == len(result.report.signatures)

    text = render(result)
    view = ReviewView(result)
    qtbot.addWidget(view)
    for row in shown.hashes:
        assert hardware_wallet_groups(row.digest) in text
        assert " ".join(view.hash_labels[row.title].text().split()) == hardware_wallet_groups(row.digest)
    for field in shown.fields[1:]:
        assert f"  {field.name:<15} {field.text}" in text
        assert view.field_values[field.name] == field.text
    for line in shown.signatures:
        assert line in text
    assert view.policy_lines == [line.text for line in shown.policy_card]
    assert (policy is None) == (view.policy_lines == ["No policy loaded: only Coldsight's built-in checks were applied."])
