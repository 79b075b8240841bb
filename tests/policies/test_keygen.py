"""`coldsight policy keygen`: eth-account (the oracle) must decrypt what it writes, and `policy sign` must use it."""

import json
import stat

import pytest
from eth_account import Account

from app.cli import main
from policies.keystore import decrypt_keystore, encrypt_keystore


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
def test_keygen_writes_a_keystore_eth_account_decrypts(kdf, tmp_path, capsys):
    (tmp_path / "pw").write_text("correct horse\n")
    out = tmp_path / "key.json"
    assert main(["policy", "keygen", "--out", str(out), "--password-file", str(tmp_path / "pw"), "--kdf", kdf]) == 0
    address = capsys.readouterr().out.strip()
    document = json.loads(out.read_text())
    assert document["version"] == 3 and document["crypto"]["kdf"] == kdf
    key = Account.decrypt(document, "correct horse")
    assert Account.from_key(key).address == address
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with pytest.raises(ValueError):
        Account.decrypt(document, "wrong")


def test_keygen_refuses_to_overwrite_and_empty_passwords(tmp_path, capsys):
    out = tmp_path / "key.json"
    out.write_text("{}")
    (tmp_path / "pw").write_text("pw")
    assert main(["policy", "keygen", "--out", str(out), "--password-file", str(tmp_path / "pw"), "--kdf", "pbkdf2"]) == 3
    assert "overwrite" in capsys.readouterr().err and out.read_text() == "{}"
    (tmp_path / "empty").write_text("\n")
    assert main(["policy", "keygen", "--out", str(tmp_path / "k2.json"), "--password-file", str(tmp_path / "empty")]) == 3
    assert not (tmp_path / "k2.json").exists()


def test_own_decrypt_reads_own_encrypt_with_small_scrypt(tmp_path):
    key = bytes.fromhex("33" * 32)
    address = Account.from_key(key).address
    path = tmp_path / "k.json"
    path.write_text(json.dumps(encrypt_keystore(key, "pw", address, scrypt_n=1 << 10)))
    assert decrypt_keystore(path, "pw") == key == bytes(Account.decrypt(json.loads(path.read_text()), "pw"))


def test_keygen_key_signs_a_policy(tmp_path, capsys):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "policies" / "examples"
    (tmp_path / "pw").write_text("pw")
    assert main(["policy", "keygen", "--out", str(tmp_path / "k.json"), "--password-file", str(tmp_path / "pw"),
                 "--kdf", "pbkdf2"]) == 0
    address = capsys.readouterr().out.strip()
    policy = tmp_path / "treasury.toml"
    policy.write_bytes((examples / "treasury.toml").read_bytes())
    assert main(["policy", "sign", str(policy), "--keystore", str(tmp_path / "k.json"),
                 "--password-file", str(tmp_path / "pw")]) == 0
    assert address in (tmp_path / "treasury.toml.sig").read_text()
