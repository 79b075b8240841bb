"""A machine config ($COLDSIGHT_CONFIG or /etc/coldsight/config.toml) that makes a signed policy mandatory."""

import shutil
from pathlib import Path

import pytest
from eth_account import Account

from app.cli import main
from policies.signing import sign_bytes, write_signature

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"
PAYLOAD = str(EXAMPLES / "payloads" / "treasury-eth-to-cold.json")
TEAM_KEY = bytes.fromhex("44" * 32)


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A sealed machine: team trust file, the treasury policy signed by the team, a config file."""
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))
    folder = tmp_path / "etc"
    shutil.copytree(EXAMPLES, folder)
    (folder / "treasury.toml.sig").unlink()
    policy = folder / "treasury.toml"
    write_signature(folder / "treasury.toml.sig", Account.from_key(TEAM_KEY).address,
                    sign_bytes(TEAM_KEY, policy.read_bytes()))
    (folder / "trust.toml").write_text('schema = "coldsight.trust/1"\nthreshold = 1\n[[signers]]\nname = "team"\n'
                                       f'address = "{Account.from_key(TEAM_KEY).address}"\n')
    config = folder / "config.toml"
    monkeypatch.setenv("COLDSIGHT_CONFIG", str(config))

    def write(body: str = 'require_policy = true\ntrust = "trust.toml"\n') -> Path:
        config.write_text('schema = "coldsight.config/1"\n' + body)
        return folder
    return write


def test_without_config_a_policy_is_optional(monkeypatch, tmp_path):
    if Path("/etc/coldsight/config.toml").exists():
        pytest.skip("this machine has a system config")
    monkeypatch.delenv("COLDSIGHT_CONFIG", raising=False)
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path))
    assert main(["verify", PAYLOAD]) in (0, 1)


def test_required_policy_refuses_a_review_without_one(machine, capsys):
    machine()
    assert main(["verify", PAYLOAD]) == 3
    err = capsys.readouterr().err
    assert "requires a signed policy" in err and "config.toml: require_policy" in err


def test_signed_policy_from_the_pinned_trust_set_is_reviewed(machine, capsys):
    folder = machine()
    assert main(["verify", PAYLOAD, "--policy", str(folder / "treasury.toml")]) == 0
    assert "allowed" in capsys.readouterr().out


def test_config_may_name_the_policy(machine, capsys):
    machine('require_policy = true\ntrust = "trust.toml"\npolicy = "treasury.toml"\n')
    assert main(["verify", PAYLOAD, "--format", "json"]) == 0
    assert '"id": "treasury"' in capsys.readouterr().out


def test_unsigned_drafts_and_other_trust_files_are_refused(machine, capsys):
    folder = machine()
    assert main(["verify", PAYLOAD, "--policy", str(folder / "treasury.toml"), "--unsigned-policy"]) == 3
    assert "--unsigned-policy is refused" in capsys.readouterr().err
    other = folder / "other-trust.toml"
    other.write_text((folder / "trust.toml").read_text())
    assert main(["verify", PAYLOAD, "--policy", str(folder / "treasury.toml"), "--trust", str(other)]) == 3
    assert "is not the trust file this machine pins" in capsys.readouterr().err


def test_pinned_trust_alone_applies_even_without_require_policy(machine, capsys):
    folder = machine('trust = "trust.toml"\n')
    # The examples' own signatures are by the example keys, which this machine's trust file does not list.
    assert main(["verify", PAYLOAD, "--policy", str(EXAMPLES / "treasury.toml")]) == 3
    assert "0 of the required 1" in capsys.readouterr().err
    assert main(["verify", PAYLOAD]) in (0, 1)  # no policy required
    assert main(["verify", PAYLOAD, "--policy", str(folder / "treasury.toml")]) == 0


def test_required_policy_with_the_example_trust_set_is_refused(machine, capsys):
    folder = machine(f'require_policy = true\ntrust = "{Path(__file__).resolve().parents[2] / "policies" / "trust.toml"}"\n')
    assert main(["verify", PAYLOAD, "--policy", str(folder / "treasury.toml")]) == 3
    assert "public example signers" in capsys.readouterr().err


@pytest.mark.parametrize("body, fragment", [
    ("require_policy = 1\n", "true or false"),
    ("colour = 'red'\n", "unknown key 'colour'"),
    ("trust = 5\n", "file path string"),
])
def test_bad_config_is_refused(machine, capsys, body, fragment):
    machine(body)
    assert main(["verify", PAYLOAD]) == 3
    assert fragment in capsys.readouterr().err


def test_config_variable_naming_a_missing_file_is_refused(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COLDSIGHT_CONFIG", str(tmp_path / "nope.toml"))
    assert main(["verify", PAYLOAD]) == 3
    assert "machine config not found" in capsys.readouterr().err
