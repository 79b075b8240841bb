"""The shipped example trust set is recognized by key: a policy only its public keys sign never clears a transaction."""

import json
import shutil
from pathlib import Path

from eth_account import Account
from eth_utils import keccak

from app.cli import main
from policies.load import load_policy
from policies.signing import DEFAULT_TRUST_FILE, EXAMPLE_SIGNERS, is_example_trust, load_trust
from policies.signing import sign_bytes, write_signature

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"
PAYLOADS = EXAMPLES / "payloads"
REAL_KEY = bytes.fromhex("22" * 32)


def test_example_signers_are_the_publicly_derivable_keys():
    # Independent derivation: eth-account from keccak256("coldsight example policy signer N").
    derived = {Account.from_key(keccak(text=f"coldsight example policy signer {n}")).address for n in (1, 2, 3)}
    assert EXAMPLE_SIGNERS == derived
    shipped = load_trust(DEFAULT_TRUST_FILE)
    assert set(shipped.signers) == derived and is_example_trust(shipped)


def _trust(tmp_path: Path, threshold: int, *addresses: str) -> Path:
    lines = ['schema = "coldsight.trust/1"', f"threshold = {threshold}"]
    for i, address in enumerate(addresses):
        lines += ["[[signers]]", f'name = "s{i}"', f'address = "{address}"']
    path = tmp_path / "trust.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _signed_copy(tmp_path: Path, keys: list[bytes]) -> Path:
    folder = tmp_path / "p"
    shutil.copytree(EXAMPLES, folder)
    policy = folder / "treasury.toml"
    sig = folder / "treasury.toml.sig"
    sig.unlink()
    for key in keys:
        write_signature(sig, Account.from_key(key).address, sign_bytes(key, policy.read_bytes()))
    return policy


def test_copied_example_keys_in_a_custom_trust_file_are_still_recognized(tmp_path):
    # A real signer plus two example keys, threshold 2: one real signature and one example one do not count as real.
    example = keccak(text="coldsight example policy signer 1")
    real = Account.from_key(REAL_KEY).address
    trust = load_trust(_trust(tmp_path, 2, real, *sorted(EXAMPLE_SIGNERS)))
    assert is_example_trust(trust)
    loaded = load_policy(_signed_copy(tmp_path, [REAL_KEY, example]), trust=trust)
    assert loaded.signature.signed and loaded.signature.example


def test_real_signer_is_not_example(tmp_path):
    trust = load_trust(_trust(tmp_path, 1, Account.from_key(REAL_KEY).address))
    assert not is_example_trust(trust)
    loaded = load_policy(_signed_copy(tmp_path, [REAL_KEY]), trust=trust)
    assert loaded.signature.signed and not loaded.signature.example


def test_all_calls_allowed_by_an_example_policy_is_at_most_warn(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))
    payload, policy = str(PAYLOADS / "treasury-eth-to-cold.json"), str(EXAMPLES / "treasury.toml")
    assert main(["verify", payload, "--policy", policy, "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["verdict"] == "warn" and document["policy"]["example"] is True
    assert document["policy"]["outcome"] == "allow"  # the rules allow it; only the signers make it warn
    assert main(["verify", payload, "--policy", policy]) == 1
    lines = capsys.readouterr().out.splitlines()
    first_reason = lines.index("Why:") + 1 if "Why:" in lines else 1  # the reasons block follows the verdict
    assert lines[first_reason].startswith("  [!] EXAMPLE POLICY \u2014 NOT FOR REAL FUNDS")


def test_presentation_puts_the_marker_first_even_above_critical_reasons(tmp_path, monkeypatch):
    from app.presentation import present
    from app.service import ReviewOptions, review_payload

    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))
    review = review_payload(ReviewOptions(payload=str(PAYLOADS / "treasury-delegatecall-attack.json"),
                                          policy=EXAMPLES / "treasury.toml"))
    card = present(review).reasons_card()
    assert review.verdict == "block"
    assert not isinstance(card[0], str) and card[0].text.startswith("EXAMPLE POLICY \u2014 NOT FOR REAL FUNDS")
    assert any(not isinstance(item, str) and item.severity == "critical" for item in card[1:])
