"""Offline signing (`coldsight sign`, app/signing.py): the gate, the signature, the eth-signature UR.

Independent sources: the safeTxHash from safe-eth-py, the signature and keystore from eth-account
(a keystore eth-account wrote, a signature eth-account makes over the same hash: RFC 6979 makes
both deterministic, so the bytes must be equal), the UR read back by Keystone's registry
(tests/node/ur_peer.mjs).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from eth_account import Account

from app.cli import main
from app.service import ReviewOptions, review_payload
from app.signing import SigningRefused, missing_acknowledgements, read_request, sign_reviewed
from decoders.ur.eip4527 import EthSignature, EthSignRequest
from decoders.ur.ur import decode_single
from .peers import peer_safe_tx_hash

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
NODE_DIR = ROOT / "tests" / "node"
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")  # eth-account docs' example key
OWNER = Account.from_key(KEY).address


@pytest.fixture
def keystore(tmp_path: Path) -> tuple[Path, Path]:
    document = Account.encrypt(KEY, "correct horse", kdf="pbkdf2", iterations=1024)  # written by eth-account
    path = tmp_path / "owner.json"
    path.write_text(json.dumps(document))
    password = tmp_path / "password"
    password.write_text("correct horse\n")
    return path, password


@pytest.fixture(autouse=True)
def _state(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))


def _review(name: str):
    request = read_request(str(CORPUS / name))
    return review_payload(ReviewOptions(payload=str(CORPUS / name)), request.payload), request


def test_signature_equals_eth_accounts_over_safe_eth_pys_hash():
    review, request = _review("benign-eth-transfer.json")
    expected_hash = peer_safe_tx_hash(CORPUS / "benign-eth-transfer.json")
    assert review.report.hashes.safe_tx == expected_hash
    signed = sign_reviewed(review, KEY, [], request.request)
    peer = Account.unsafe_sign_hash(expected_hash, KEY)
    assert signed.signature == bytes(peer.signature)
    assert signed.v in (27, 28) and len(signed.signature) == 65
    assert Account._recover_hash(expected_hash, signature=signed.signature) == OWNER


def test_block_is_never_signed_even_with_every_ack():
    review, request = _review("bybit-attack.json")
    with pytest.raises(SigningRefused) as refused:
        sign_reviewed(review, KEY, ["verdict:warn", "anything"], request.request)
    assert refused.value.verdict == "block"


def test_warn_needs_every_acknowledgement():
    review, request = _review("benign-add-owner.json")
    needed = [key for key, _ in missing_acknowledgements(review, [])]
    assert len(needed) >= 2  # OWNER_CHANGE and THRESHOLD_CHANGE, from the corpus' expected findings
    with pytest.raises(SigningRefused, match="not acknowledged"):
        sign_reviewed(review, KEY, needed[:-1], request.request)
    signed = sign_reviewed(review, KEY, needed, request.request)
    digest = peer_safe_tx_hash(CORPUS / "benign-add-owner.json")
    assert Account._recover_hash(digest, signature=signed.signature) == OWNER


def test_request_for_another_address_is_refused(tmp_path):
    ur_file = tmp_path / "request.txt"
    assert main(["qr", "encode", str(CORPUS / "benign-eth-transfer.json"), "--out", str(ur_file)]) == 0
    request = read_request(str(ur_file))
    other = EthSignRequest(request.request.sign_data, request.request.data_type, request.request.derivation_path,
                           request.request.request_id, request.request.chain_id, b"\x42" * 20)
    review = review_payload(ReviewOptions(), request.payload)
    with pytest.raises(SigningRefused, match="asks for the key of 0x4242"):
        sign_reviewed(review, KEY, [], other)


def test_cli_answers_the_request_id_from_animated_qr(tmp_path, keystore, capsys):
    gif = tmp_path / "request.gif"
    assert main(["qr", "encode", str(CORPUS / "benign-usdc-transfer.json"), "--out", str(gif), "--fragment", "120"]) == 0
    texts = tmp_path / "request.txt"
    assert main(["qr", "encode", str(CORPUS / "benign-usdc-transfer.json"), "--out", str(texts), "--fragment", "120"]) == 0
    first = texts.read_text().split()[0]
    request_id = EthSignRequest.from_cbor(_assembled(texts.read_text())).request_id
    capsys.readouterr()
    out = tmp_path / "signature.txt"
    status = main(["sign", str(gif), "--keystore", str(keystore[0]), "--password-file", str(keystore[1]), "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    signature = EthSignature.from_cbor(decode_single(out.read_text().strip()).cbor)
    assert signature.request_id == request_id and first.startswith("UR:ETH-SIGN-REQUEST/")
    digest = peer_safe_tx_hash(CORPUS / "benign-usdc-transfer.json")
    assert Account._recover_hash(digest, signature=signature.signature) == OWNER
    png = tmp_path / "signature.png"
    assert main(["sign", str(texts), "--keystore", str(keystore[0]), "--password-file", str(keystore[1]),
                 "--out", str(png)]) == 0
    assert main(["verify", str(png)]) == 3  # a signature is not a transaction: said so, exit 3
    assert "eth-signature" in capsys.readouterr().err


def _assembled(text: str) -> bytes:
    from decoders.formats.ur_format import assemble_ur

    return assemble_ur(text, "test").cbor


def test_cli_block_writes_nothing_and_never_asks_for_the_key(tmp_path, keystore, capsys):
    out = tmp_path / "signature.png"
    missing_keystore = tmp_path / "no-such-keystore.json"  # would be an error if it were ever read
    status = main(["sign", str(CORPUS / "bybit-attack.json"), "--keystore", str(missing_keystore), "--out", str(out)])
    assert status == 2
    assert not out.exists()
    assert "NOT SIGNED" in capsys.readouterr().err


def test_cli_warn_without_acks_exits_warn_and_writes_nothing(tmp_path, keystore, capsys):
    out = tmp_path / "signature.txt"
    args = ["sign", str(CORPUS / "benign-add-owner.json"), "--keystore", str(keystore[0]),
            "--password-file", str(keystore[1]), "--out", str(out)]
    assert main(args) == 1 and not out.exists()
    assert main([*args, "--ack-all-warnings"]) == 0 and out.exists()


def test_wrong_password_is_a_clear_error(tmp_path, keystore, capsys):
    keystore[1].write_text("wrong\n")
    status = main(["sign", str(CORPUS / "benign-eth-transfer.json"), "--keystore", str(keystore[0]),
                   "--password-file", str(keystore[1]), "--out", str(tmp_path / "s.txt")])
    assert status == 3
    assert "wrong password" in capsys.readouterr().err


@pytest.mark.node
@pytest.mark.skipif(not (NODE_DIR / "node_modules").is_dir(), reason="node test peers not installed")
def test_keystone_reads_our_eth_signature_and_we_read_its():
    review, request = _review("benign-eth-transfer.json")
    signed = sign_reviewed(review, KEY, [], request.request)
    text = signed.to_ur()
    from decoders.ur.ur import encode_single

    decoded = _peer({"op": "decode", "parts": [encode_single(text)]})
    assert decoded["signature"]["signatureHex"] == signed.signature.hex()
    assert decoded["signature"]["requestIdHex"] == signed.request_id.hex()
    assert decoded["signature"]["origin"] == "coldsight"
    made = _peer({"op": "make_signature", "signatureHex": signed.signature.hex(),
                  "requestIdHex": signed.request_id.hex(), "origin": "coldsight"})
    assert made["cborHex"] == signed.to_cbor().hex()  # byte for byte
    assert EthSignature.from_cbor(decode_single(made["parts"][0]).cbor) == signed


def _peer(request: dict) -> dict:
    node = shutil.which("node")
    assert node, "node is required when tests/node/node_modules is installed"
    done = subprocess.run([node, str(NODE_DIR / "ur_peer.mjs")], input=json.dumps(request), capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_a_qr_image_piped_on_stdin_is_answered_too(tmp_path, keystore):
    from tests.conftest import run_cli

    frames = tmp_path / "frames"
    assert main(["qr", "encode", str(CORPUS / "benign-eth-transfer.json"), "--out", str(frames), "--fragment", "2000"]) == 0
    (png,) = sorted(frames.glob("*.png"))
    out = tmp_path / "signature.txt"
    result = run_cli(["sign", "-", "--keystore", str(keystore[0]), "--password-file", str(keystore[1]), "--out", str(out)],
                     stdin=png.read_bytes())
    assert result.code == 0, result.stderr
    signature = EthSignature.from_cbor(decode_single(out.read_text().strip()).cbor)
    request = read_request(str(png)).request
    assert request is not None and signature.request_id == request.request_id


def test_without_the_request_object_the_noted_id_and_address_still_count(tmp_path):
    """The GUI keeps the review, not the UR: the id and address come from the reader's note."""
    from app.qr.encode import safe_tx_typed_data
    from app.service import review_text
    from decoders.ur.eip4527 import EthDataType, KeyPath
    from decoders.ur.ur import encode_single

    review, _ = _review("benign-eth-transfer.json")
    typed = json.dumps(safe_tx_typed_data(review.report)).encode()
    request_id = bytes(range(16))
    for address, refused in ((bytes.fromhex(OWNER[2:]), False), (b"\x42" * 20, True)):
        request = EthSignRequest(typed, EthDataType.TYPED_DATA, KeyPath.parse("m/44'/60'/0'/0/0"), request_id, 1, address)
        scanned = review_text(encode_single(request.to_ur()), "scanned", ReviewOptions())
        if refused:
            with pytest.raises(SigningRefused, match="asks for the key of 0x4242"):
                sign_reviewed(scanned, KEY, [])
        else:
            assert sign_reviewed(scanned, KEY, []).request_id == request_id


def test_a_password_prompt_closed_without_input_is_a_clear_error(monkeypatch):
    import getpass
    import sys

    from app import signing
    from decoders.errors import ColdsightError

    class Terminal:
        def isatty(self):
            return True

    def closed(prompt=""):
        raise EOFError

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", closed)
    with pytest.raises(ColdsightError, match="no keystore password was entered"):
        signing.read_password(None)
