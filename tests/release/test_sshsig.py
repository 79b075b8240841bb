"""packaging/sshsig.py, the release's pinned signature verifier, against OpenSSH's own
`ssh-keygen -Y sign/verify` (an independent implementation) and RFC 8032's Ed25519 vector."""

import base64
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import sshsig  # noqa: E402

NAMESPACE = "coldsight-release"
needs_ssh = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen")


def test_rfc8032_test_vector_1() -> None:
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    signature = bytes.fromhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
                              "1cf9b46bd25bf5f0595bbe24655141438e7a100b")
    assert sshsig.ed25519_verify(public, b"", signature)
    assert not sshsig.ed25519_verify(public, b"x", signature)
    assert not sshsig.ed25519_verify(public, b"", signature[:63] + bytes([signature[63] ^ 1]))
    # S + L is the same signature to a lax verifier; RFC 8032 refuses a non-canonical S.
    s = int.from_bytes(signature[32:], "little") + sshsig.L
    assert not sshsig.ed25519_verify(public, b"", signature[:32] + s.to_bytes(32, "little"))


@pytest.fixture
def signed(tmp_path: Path) -> dict:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    kind, blob = key.with_suffix(".pub").read_text().split()[:2]
    message = tmp_path / "SHA256SUMS"
    message.write_bytes(b"0" * 64 + b"  BUILDINFO\n")
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(message)], check=True)
    return {"key": key, "message": message, "signature": tmp_path / "SHA256SUMS.sig",
            "signers": f'release@coldsight namespaces="{NAMESPACE}" {kind} {blob}\n', "tmp": tmp_path}


def _both(case: dict, message: bytes, signers: str, namespace: str = NAMESPACE) -> tuple[bool, bool]:
    """(sshsig.py accepts, ssh-keygen -Y verify accepts)"""
    armored = case["signature"].read_text()
    try:
        sshsig.verify(message, armored, signers, namespace)
        ours = True
    except sshsig.SignatureError:
        ours = False
    signers_file = case["tmp"] / "signers"
    signers_file.write_text(signers)
    theirs = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(signers_file), "-I", "release@coldsight",
                             "-n", namespace, "-s", str(case["signature"])], input=message, capture_output=True)
    return ours, theirs.returncode == 0


@needs_ssh
def test_agrees_with_ssh_keygen_on_a_good_signature(signed: dict) -> None:
    assert _both(signed, signed["message"].read_bytes(), signed["signers"]) == (True, True)


@needs_ssh
def test_agrees_with_ssh_keygen_on_a_changed_file(signed: dict) -> None:
    changed = signed["message"].read_bytes().replace(b"0", b"1", 1)
    assert _both(signed, changed, signed["signers"]) == (False, False)


@needs_ssh
def test_agrees_with_ssh_keygen_on_another_namespace(signed: dict) -> None:
    assert _both(signed, signed["message"].read_bytes(), signed["signers"], "file") == (False, False)
    elsewhere = signed["signers"].replace(f'namespaces="{NAMESPACE}"', 'namespaces="git,file"')
    assert _both(signed, signed["message"].read_bytes(), elsewhere) == (False, False)


@needs_ssh
def test_agrees_with_ssh_keygen_on_an_unlisted_key(signed: dict) -> None:
    other = signed["tmp"] / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    kind, blob = other.with_suffix(".pub").read_text().split()[:2]
    assert _both(signed, signed["message"].read_bytes(), f"release@coldsight {kind} {blob}\n") == (False, False)


@needs_ssh
def test_agrees_with_ssh_keygen_on_sha256_signatures(signed: dict) -> None:
    signed["signature"].unlink()
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-O", "hashalg=sha256", "-f", str(signed["key"]), "-n", NAMESPACE,
                    str(signed["message"])], check=True)
    assert _both(signed, signed["message"].read_bytes(), signed["signers"]) == (True, True)


@needs_ssh
def test_a_flipped_bit_anywhere_in_the_signature_is_refused(signed: dict) -> None:
    armored = signed["signature"].read_text().strip().splitlines()
    blob = base64.b64decode("".join(armored[1:-1]))
    message = signed["message"].read_bytes()
    for position in range(0, len(blob), 7):
        mutated = bytearray(blob)
        mutated[position] ^= 0x01
        text = "\n".join([armored[0], base64.b64encode(bytes(mutated)).decode(), armored[-1]])
        with pytest.raises(sshsig.SignatureError):
            sshsig.verify(message, text, signed["signers"], NAMESPACE)


def test_the_command_line_exit_codes(tmp_path: Path) -> None:
    missing = subprocess.run([sys.executable, str(ROOT / "packaging" / "sshsig.py"), "verify", "--signers",
                              str(tmp_path / "none"), str(tmp_path / "none")], capture_output=True, text=True)
    assert missing.returncode == 64 and "cannot read" in missing.stderr
