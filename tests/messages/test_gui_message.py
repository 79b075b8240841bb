"""What signers see for a Safe message and for a nested-Safe approval: GUI, `coldsight render`,
CLI text, review log. Expected hashes come from eth-account (EIP-712, written independently of
Coldsight's hashing) and safe-eth-py (SafeTx hashes), never from Coldsight itself."""

import copy
import json

import pytest
from eth_account.messages import _hash_eip191_message, encode_defunct, encode_typed_data
from PySide6.QtCore import Qt

# The GUI tests' fixtures (make_window, review_log) are used here as they are in tests/gui.
from tests.gui.conftest import PAYLOADS, grouped, gui_options, make_window, peer_safe_tx_hash, review_log, wait_phase  # noqa: F401
from tests.gui.test_flow import key

PERMIT2_FILE = PAYLOADS / "message-permit2.json"
PARENT_FILE = PAYLOADS / "nested-approve-parent.json"
CHILD_FILE = PAYLOADS / "ok-usdc-transfer.json"
SPENDER = "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD"


def safe_message_hash(document: dict) -> str:
    """safeMessageHash by eth-account: the SafeMessage struct over the Safe's domain (Safe >= 1.3.0:
    chainId and verifyingContract; SAFE_MSG_TYPEHASH from safe-smart-account CompatibilityFallbackHandler)."""
    inner = document["message"]
    if isinstance(inner, dict):
        signed = bytes(_hash_eip191_message(encode_typed_data(full_message=inner)))
    else:
        signed = bytes(_hash_eip191_message(encode_defunct(text=inner)))
    safe_message = {"types": {"EIP712Domain": [{"name": "chainId", "type": "uint256"},
                                               {"name": "verifyingContract", "type": "address"}],
                              "SafeMessage": [{"name": "message", "type": "bytes"}]},
                    "primaryType": "SafeMessage",
                    "domain": {"chainId": document["chainId"], "verifyingContract": document["safe"]},
                    "message": {"message": signed}}
    return "0x" + bytes(_hash_eip191_message(encode_typed_data(full_message=safe_message))).hex()


def write(tmp_path, document: dict, name: str = "message.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def permit2(amount: str) -> dict:
    document = json.loads(PERMIT2_FILE.read_text())
    document = copy.deepcopy(document)
    document["message"]["message"]["details"]["amount"] = amount
    return document


def test_message_review_screen_hashes_tree_and_ticks(qtbot, make_window, review_log):  # noqa: F811
    document = json.loads(PERMIT2_FILE.read_text())
    expected = safe_message_hash(document)
    window = make_window(options=gui_options(address_book=PAYLOADS / "addressbook.csv"))
    window.load_file(str(PERMIT2_FILE))
    wait_phase(qtbot, window, "reviewing")
    screen = window.centralWidget()
    view = screen.view
    assert view.banner.headline.text().startswith("WARNING")
    assert view.hash_labels["safeMessageHash"].accessibleName() == f"safeMessageHash {grouped(expected)}"
    assert "typed data PermitSingle for Permit2" in view.message_headline.text()
    values = {}
    pending = [view.call_tree.invisibleRootItem()]
    while pending:
        item = pending.pop()
        values[item.text(0)] = item.text(1)
        pending.extend(item.child(i) for i in range(item.childCount()))
    assert values["spender (address)"] == SPENDER and values["amount (uint160)"] == "1000000000"
    assert values["verifyingContract (address)"].endswith("(Permit2)")  # the example address book's name

    boxes = list(screen.ack_card.checkboxes.values())
    assert len(boxes) == 1 and not screen.bar.reviewed_button.isEnabled()
    key(window, Qt.Key.Key_Space)
    assert boxes[0].isChecked() and screen.bar.reviewed_button.isEnabled()
    screen.bar.reviewed_button.click()  # the keyboard path is tests/gui/test_flow.py's
    wait_phase(qtbot, window, "decided")
    assert "safeMessageHash" in window.centralWidget().headline.text()
    entry, = review_log.read()
    assert (entry["decision"], entry["verdict"], entry["hashes"]["safeMessage"]) == ("reviewed", "warn", expected)
    assert entry["hashes"]["safeTx"] is None


def test_blocking_message_can_only_be_discarded(qtbot, make_window, review_log, tmp_path):  # noqa: F811
    window = make_window()
    window.load_file(write(tmp_path, permit2(str(2**160 - 1))))  # an unlimited Permit2 allowance
    wait_phase(qtbot, window, "reviewing")
    screen = window.centralWidget()
    assert screen.bar.reviewed_button is None and screen.ack_card is None
    assert any("unlimited" in label.text() for label in screen.view.reason_labels)
    key(window, Qt.Key.Key_Escape)
    wait_phase(qtbot, window, "decided")
    assert [(e["decision"], e["verdict"]) for e in review_log.read()] == [("discarded", "block")]


def test_text_message_is_shown_line_by_line(qtbot, make_window, tmp_path):  # noqa: F811
    document = {"safe": "0xbC7AE04ce753Ac81cD6e88eBF1b51C487bfD43C3", "chainId": 1, "safeVersion": "1.4.1",
                "message": "Sign in to example.org\nNonce: 42\u202e"}
    window = make_window()
    window.load_file(write(tmp_path, document))
    wait_phase(qtbot, window, "reviewing")
    view = window.centralWidget().view
    assert view.message_text.text() == "Sign in to example.org\nNonce: 42\\u202e"  # the bidi override made visible
    assert view.hash_labels["safeMessageHash"].accessibleName().endswith(grouped(safe_message_hash(document)))
    # The bidi override is a DECEPTIVE_TEXT warning (issue 19): it must be acknowledged before "reviewed".
    screen = window.centralWidget()
    assert not screen.bar.reviewed_button.isEnabled() and screen.ack_card is not None


def test_gui_and_cli_text_list_the_same_reasons(tmp_path):
    from app.gui.render import ensure_offscreen
    from app.presentation import present
    from app.service import ReviewOptions, review_any
    from app.text_report import render

    ensure_offscreen()
    from app.gui.app import create_application
    from app.gui.review_view import ReviewView

    create_application()
    item = review_any(ReviewOptions(payload=write(tmp_path, permit2("5"))))
    view = ReviewView(item)
    text = render(item)
    shown = [reason.text for reason in present(item).reasons]
    assert shown and [label.text() for label in view.reason_labels] == shown
    assert all(reason in text for reason in shown)
    assert safe_message_hash(permit2("5")) in text


def test_render_message_and_nested_pngs(run_cli, tmp_path, monkeypatch):
    out = tmp_path / "message.png"
    result = run_cli(["render", str(PERMIT2_FILE), "--out", str(out)])
    assert result.code == 1 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # warn
    out = tmp_path / "nested.png"
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))  # the book names the child's payee (payroll)
    assert run_cli(["addressbook", "import", str(PAYLOADS / "addressbook.csv")]).code == 0
    result = run_cli(["render", str(PARENT_FILE), "--child", str(CHILD_FILE), "--out", str(out)])
    assert result.code == 0 and out.exists()


def test_nested_approval_shows_both_levels(qtbot):
    from app.gui.review_view import ReviewView
    from app.service import ReviewOptions, review_nested

    review = review_nested(ReviewOptions(payload=str(PARENT_FILE), address_book=PAYLOADS / "addressbook.csv"), str(CHILD_FILE))
    view = ReviewView(review)
    qtbot.addWidget(view)
    child_hash = peer_safe_tx_hash(CHILD_FILE)  # safe-eth-py
    assert view.hash_labels["safeTxHash"].accessibleName().endswith(grouped(peer_safe_tx_hash(PARENT_FILE)))
    assert view.child_view is not None
    assert view.child_view.hash_labels["safeTxHash"].accessibleName().endswith(grouped(child_hash))
    assert any(child_hash in label.text() for label in view.reason_labels)  # "approves ... shown below"
    assert review.verdict == "ok"


def test_nested_approval_of_another_transaction_blocks(tmp_path):
    from app.presentation import present
    from app.service import ReviewOptions, review_nested

    child = json.loads(CHILD_FILE.read_text())
    child["nonce"] = 13  # not the transaction the parent approves
    review = review_nested(ReviewOptions(payload=str(PARENT_FILE)), write(tmp_path, child, "child.json"))
    assert review.verdict == "block"
    assert any(reason.code == "CLAIMED_HASH_MISMATCH" for reason in present(review).reasons)


@pytest.mark.parametrize("name", ["message-permit2.json"])
def test_message_file_is_sniffed_not_parsed_as_a_transaction(name):
    from app.service import MessageItem, ReviewOptions, review_any

    assert isinstance(review_any(ReviewOptions(payload=str(PAYLOADS / name))), MessageItem)


def test_cli_message_text_and_policy_use_the_review_service(run_cli, tmp_path):
    # An unsigned draft allowing Permit2 on this Safe: the message stays warn (a draft never clears).
    policy = tmp_path / "draft.toml"
    policy.write_text('schema = "coldsight.policy/1"\n[meta]\nid = "draft"\nserial = 1\n'
                      '[[safes]]\nchain = 1\naddress = "0xbC7AE04ce753Ac81cD6e88eBF1b51C487bfD43C3"\n'
                      '[[message_rules]]\nid = "permit2"\neffect = "allow"\nprimary_type = "PermitSingle"\n'
                      'domain = { name = "Permit2", chain_id = 1 }\n')
    state = ["--trust", str(tmp_path / "none.toml")]  # not read: the draft is accepted unsigned
    result = run_cli(["verify", str(PERMIT2_FILE), "--message", "--format", "json", "--policy", str(policy),
                      "--unsigned-policy", *state])
    document = result.json()
    assert document["policy"]["calls"][0]["matchedRules"] == ["permit2"] and document["verdict"] == "warn"
    result = run_cli(["verify", str(PERMIT2_FILE), "--message"])
    assert result.code == 1 and safe_message_hash(json.loads(PERMIT2_FILE.read_text())) in result.stdout
    assert "[TOKEN_APPROVAL]" in result.stdout and "spender (address): " + SPENDER in result.stdout


def test_pasted_safe_message_request_is_reviewed_as_a_message(qtbot, make_window):  # noqa: F811
    # A SafeMessage eth-sign-request (data type 2) pasted as ur: text: Coldsight's EIP-4527 encoder is
    # only the transport; the expected hash is eth-account's.
    from eth_account.messages import defunct_hash_message

    from decoders.ur.eip4527 import EthDataType, EthSignRequest, KeyPath
    from decoders.ur.ur import encode_single

    safe, text = "0xbC7AE04ce753Ac81cD6e88eBF1b51C487bfD43C3", "Sign in to example.org"
    typed = {"types": {"EIP712Domain": [{"name": "chainId", "type": "uint256"},
                                        {"name": "verifyingContract", "type": "address"}],
                       "SafeMessage": [{"name": "message", "type": "bytes"}]},
             "primaryType": "SafeMessage", "domain": {"chainId": 1, "verifyingContract": safe},
             "message": {"message": "0x" + bytes(defunct_hash_message(text=text)).hex()}, "originalMessage": text}
    request = EthSignRequest(json.dumps(typed).encode(), EthDataType.TYPED_DATA, KeyPath.parse("m/44'/60'/0'/0/0"),
                             chain_id=1)
    window = make_window(options=gui_options(safe_version="1.4.1"))
    window.load_text(encode_single(request.to_ur()))
    wait_phase(qtbot, window, "reviewing")
    view = window.centralWidget().view
    expected = safe_message_hash({"safe": safe, "chainId": 1, "message": text})
    assert view.hash_labels["safeMessageHash"].accessibleName().endswith(grouped(expected))
    assert view.message_text.text() == text


def test_a_transaction_is_still_a_transaction():
    from app.service import Review, ReviewOptions, review_any, review_text

    assert isinstance(review_any(ReviewOptions(payload=str(CHILD_FILE))), Review)
    assert isinstance(review_text(CHILD_FILE.read_text(), "pasted", ReviewOptions()), Review)
