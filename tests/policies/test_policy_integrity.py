"""Signatures (m-of-n over exact bytes), validity window, anti-rollback, and V3 keystores.
Expected signatures and keystores come from eth-account, not from Coldsight."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from policies.errors import PolicyRollbackError, PolicySignatureError, PolicyValidityError, PolicyError
from policies.keystore import decrypt_keystore
from policies.load import load_policy
from policies.rollback import SerialStore
from policies.signing import DEFAULT_TRUST_FILE, load_trust, sign_bytes, write_signature
from tests.policies.make_examples import example_key

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"
NOW = dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc)


@pytest.fixture
def policy(tmp_path) -> Path:
    target = tmp_path / "treasury.toml"
    shutil.copy(EXAMPLES / "treasury.toml", target)
    return target


def sign_with(path: Path, *signers: int) -> None:
    sig = path.with_name(path.name + ".sig")
    sig.write_text('schema = "coldsight.policy-signatures/1"\n')
    for n in signers:
        account = Account.from_key(example_key(n))
        signed = account.sign_message(encode_defunct(primitive=path.read_bytes()))
        write_signature(sig, account.address, bytes(signed.signature))


def load(path: Path, store=None, now=NOW, trust=DEFAULT_TRUST_FILE):
    return load_policy(path, trust=load_trust(trust), store=store, now=now)


def test_coldsight_signature_recovers_with_eth_account():
    data = b'schema = "coldsight.policy/1"\n'
    signature = sign_bytes(example_key(1), data)
    assert Account.recover_message(encode_defunct(primitive=data), signature=signature) == Account.from_key(example_key(1)).address


def test_two_of_three_loads_and_names_signers(policy):
    sign_with(policy, 1, 3)
    loaded = load(policy)
    assert loaded.signature.signed and loaded.signature.text.startswith("signed 2-of-3 by example-signer-1")


@pytest.mark.parametrize("signers", [(), (1,), (2, 2)])
def test_below_threshold_is_refused(policy, signers):
    sign_with(policy, *signers)
    with pytest.raises(PolicySignatureError, match="of the required 2"):
        load(policy)


def test_missing_signature_file_is_refused(policy):
    with pytest.raises(PolicySignatureError, match="not signed"):
        load(policy)


def test_untrusted_signers_do_not_count(policy, tmp_path):
    stranger = Account.create()
    sig = policy.with_name(policy.name + ".sig")
    sign_with(policy, 1)
    write_signature(sig, stranger.address, bytes(stranger.sign_message(encode_defunct(primitive=policy.read_bytes())).signature))
    with pytest.raises(PolicySignatureError, match="1 of the required 2"):
        load(policy)


def test_one_changed_byte_invalidates_the_signatures(policy):
    sign_with(policy, 1, 2)
    policy.write_bytes(policy.read_bytes().replace(b"250000 USDC", b"950000 USDC"))
    with pytest.raises(PolicySignatureError, match="does not match this policy file"):
        load(policy)


def test_expired_and_not_yet_valid(policy):
    sign_with(policy, 1, 2)
    with pytest.raises(PolicyValidityError, match="expired"):
        load(policy, now=dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc))
    with pytest.raises(PolicyValidityError, match="not valid before"):
        load(policy, now=dt.datetime(2024, 12, 31, 23, 59, tzinfo=dt.timezone.utc))
    assert load(policy, now=dt.datetime(2099, 12, 31, 23, 59, tzinfo=dt.timezone.utc)).policy.id == "treasury"


def test_rollback_to_a_lower_serial_is_refused(policy, tmp_path):
    store = SerialStore(tmp_path / "state" / "serials.json")
    sign_with(policy, 1, 2)
    load(policy, store=store)
    newer = policy.with_name("newer.toml")
    newer.write_bytes(policy.read_bytes().replace(b"serial = 42", b"serial = 43"))
    sign_with(newer, 1, 2)
    load(newer, store=store)
    with pytest.raises(PolicyRollbackError, match="older than serial 43"):
        load(policy, store=store)
    same_serial = policy.with_name("same.toml")
    same_serial.write_bytes(newer.read_bytes().replace(b"100 ether", b"200 ether"))
    sign_with(same_serial, 1, 2)
    with pytest.raises(PolicyRollbackError, match="different contents"):
        load(same_serial, store=store)


def test_damaged_serial_store_fails_closed(policy, tmp_path):
    store_file = tmp_path / "serials.json"
    store_file.write_text("{not json")
    sign_with(policy, 1, 2)
    with pytest.raises(PolicyError, match="damaged"):
        load(policy, store=SerialStore(store_file))


def test_unsigned_drafts_only_with_the_flag(policy):
    loaded = load_policy(policy, trust=None, allow_unsigned=True, now=NOW)
    assert not loaded.signature.signed and loaded.signature.text == "UNSIGNED POLICY"


@pytest.mark.parametrize("text", ['schema = "coldsight.trust/1"\nthreshold = 4\n[[signers]]\naddress = "0x5fBb39a3Ce6A2B386DDb4dD361D66017a2BF6BbB"',
                                  'schema = "coldsight.trust/1"\nthreshold = 1\nsigners = []',
                                  'threshold = 1'])
def test_bad_trust_files(tmp_path, text):
    path = tmp_path / "trust.toml"
    path.write_text(text)
    with pytest.raises(PolicyError):
        load_trust(path)


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
def test_keystore_decryption_matches_eth_account(tmp_path, kdf):
    account = Account.create()
    keystore = Account.encrypt(account.key, "correct horse", kdf=kdf, iterations=2**10 if kdf == "scrypt" else 1000)
    path = tmp_path / "key.json"
    import json

    path.write_text(json.dumps(keystore))
    assert decrypt_keystore(path, "correct horse") == bytes(account.key)
    with pytest.raises(PolicyError, match="wrong password"):
        decrypt_keystore(path, "wrong")


def test_hostile_keystore_parameters_are_refused(tmp_path):
    import json

    keystore = Account.encrypt(Account.create().key, "pw", kdf="scrypt", iterations=2**10)
    keystore["crypto"]["kdfparams"]["n"] = 2**30
    path = tmp_path / "key.json"
    path.write_text(json.dumps(keystore))
    with pytest.raises(PolicyError, match="kdfparams.n"):
        decrypt_keystore(path, "pw")
