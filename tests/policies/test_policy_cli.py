"""`coldsight policy …` and `coldsight verify --policy` through app.cli.main: exit codes and JSON."""

import json
import shutil
from pathlib import Path

import pytest
from eth_account import Account

from app.cli import main
from tests.policies.make_examples import example_key

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"
PAYLOADS = EXAMPLES / "payloads"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))


@pytest.mark.parametrize("name", ["treasury.toml", "protocol-admin.toml", "trading.toml"])
def test_examples_pass_their_own_tests(name, capsys):
    assert main(["policy", "test", str(EXAMPLES / name), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] and document["uncoveredRules"] == [] and document["signature"].startswith("signed 2-of-3")


def test_verify_with_policy_json(capsys):
    code = main(["verify", str(PAYLOADS / "treasury-unknown-recipient.json"), "--policy", str(EXAMPLES / "treasury.toml"),
                 "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 2 and document["verdict"] == "block"
    policy = document["policy"]
    assert (policy["id"], policy["serial"]) == ("treasury", 42)
    assert policy["status"].startswith("signed 2-of-3")
    call = policy["calls"][0]
    assert set(call) == {"path", "outcome", "matchedRules", "failedConditions", "message"}
    assert call["outcome"] == "deny" and call["failedConditions"][0]["argument"] == "to"
    assert set(call["failedConditions"][0]) == {"rule", "argument", "expected", "actual"}


def test_example_signed_waiver_is_not_applied_and_marked_first(capsys):
    # The shipped examples are signed with public keys: the waiver they carry must not clear the upgrade.
    code = main(["verify", str(PAYLOADS / "admin-upgrade-vault.json"), "--policy", str(EXAMPLES / "protocol-admin.toml")])
    out = capsys.readouterr().out
    assert code == 2
    lines = out.splitlines()
    first_reason = lines.index("Why:") + 1 if "Why:" in lines else 1  # the reasons block follows the verdict
    assert lines[first_reason].startswith("  [!] EXAMPLE POLICY \u2014 NOT FOR REAL FUNDS")
    assert "allow_dangerous for PROXY_UPGRADE at call 0 NOT applied (signed only by public example keys)" in out


def test_waived_upgrade_is_ok_under_a_real_trust_set(tmp_path, capsys):
    # The same policy signed by a key the example set does not contain: the waiver applies, verdict ok.
    from tests.policies.make_examples import example_key

    folder = tmp_path / "p"
    shutil.copytree(EXAMPLES, folder)
    real_key = bytes.fromhex("11" * 32)
    real = Account.from_key(real_key).address
    (tmp_path / "trust.toml").write_text(f'schema = "coldsight.trust/1"\nthreshold = 1\n[[signers]]\nname = "team"\n'
                                         f'address = "{real}"\n')
    policy = folder / "protocol-admin.toml"
    (folder / "protocol-admin.toml.sig").unlink()
    keystore = tmp_path / "k.json"
    keystore.write_text(json.dumps(Account.encrypt(real_key, "pw", kdf="scrypt", iterations=2**10)))
    (tmp_path / "pw").write_text("pw")
    assert main(["policy", "sign", str(policy), "--keystore", str(keystore), "--password-file", str(tmp_path / "pw")]) == 0
    capsys.readouterr()
    assert example_key(1) != real_key
    code = main(["verify", str(PAYLOADS / "admin-upgrade-vault.json"), "--policy", str(policy),
                 "--trust", str(tmp_path / "trust.toml")])
    out = capsys.readouterr().out
    assert code == 0 and "EXAMPLE POLICY" not in out
    assert "waives PROXY_UPGRADE at call 0" in out


def test_verify_unsigned_policy_is_marked(tmp_path, capsys):
    draft = tmp_path / "draft.toml"
    shutil.copy(EXAMPLES / "treasury.toml", draft)
    assert main(["verify", str(PAYLOADS / "treasury-eth-to-cold.json"), "--policy", str(draft)]) == 3
    assert "not signed" in capsys.readouterr().err
    assert main(["verify", str(PAYLOADS / "treasury-eth-to-cold.json"), "--policy", str(draft), "--unsigned-policy"]) == 1
    assert "UNSIGNED POLICY" in capsys.readouterr().out


def test_verify_bad_policy_exits_3_with_where(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text((EXAMPLES / "treasury.toml").read_text().replace('"@payroll", "@ops"', '"@payroll", "@nobody"'))
    code = main(["verify", str(PAYLOADS / "treasury-eth-to-cold.json"), "--policy", str(bad), "--unsigned-policy"])
    err = capsys.readouterr().err
    assert code == 3 and "bad.toml: rules[0] (payroll-usdc).args.to.in[1]" in err and "@nobody" in err


def test_sign_with_keystore_then_verify(tmp_path, capsys):
    shutil.copytree(PAYLOADS, tmp_path / "payloads")
    draft = tmp_path / "p.toml"
    draft.write_bytes((EXAMPLES / "treasury.toml").read_bytes().replace(b"serial = 42", b"serial = 50"))
    for n in (2, 3):
        keystore = tmp_path / f"k{n}.json"
        keystore.write_text(json.dumps(Account.encrypt(example_key(n), "pw", kdf="scrypt", iterations=2**10)))
        (tmp_path / "pw").write_text("pw\n")
        assert main(["policy", "sign", str(draft), "--keystore", str(keystore), "--password-file", str(tmp_path / "pw")]) == 0
    assert main(["policy", "test", str(draft)]) == 0
    assert "signed 2-of-3 by example-signer-2" in capsys.readouterr().out
    keystore = tmp_path / "k2.json"
    (tmp_path / "wrong").write_text("nope")
    assert main(["policy", "sign", str(draft), "--keystore", str(keystore), "--password-file", str(tmp_path / "wrong")]) == 3


def test_lint_exit_codes(tmp_path, capsys):
    assert main(["policy", "lint", str(EXAMPLES / "treasury.toml")]) == 0
    risky = tmp_path / "risky.toml"
    risky.write_text((EXAMPLES / "treasury.toml").read_text() + '''
[[rules]]
id = "anything-to-ops"
effect = "allow"
call = { to = "@ops", function = "*" }

[[rules]]
id = "shadowed"
effect = "allow"
call = { to = "@payroll", function = "pause()" }

[[rules]]
id = "no-payroll-calls"
effect = "deny"
call = { to = "@payroll" }
''')
    capsys.readouterr()
    assert main(["policy", "lint", str(risky), "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    messages = " | ".join(f["where"] + ": " + f["message"] for f in findings)
    assert "wildcard function" in messages and "shadowed: deny rule no-payroll-calls" in messages
    broken = tmp_path / "broken.toml"
    broken.write_text("schema = ")
    assert main(["policy", "lint", str(broken)]) == 3


def test_diff_reports_what_new_allows(tmp_path, capsys):
    new = tmp_path / "new.toml"
    new.write_text((EXAMPLES / "treasury.toml").read_text().replace("serial = 42", "serial = 43")
                   .replace('"250000 USDC"', '"900000 USDC"'))
    assert main(["policy", "diff", str(EXAMPLES / "treasury.toml"), str(new), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["allowsMore"] and any(c["where"] == "rules[0] (payroll-usdc).args.amount" and "900,000 USDC" in c["new"]
                                          for c in document["changes"])
    assert main(["policy", "diff", str(EXAMPLES / "treasury.toml"), str(EXAMPLES / "treasury.toml")]) == 0


def test_policy_test_reports_failures(tmp_path, capsys):
    folder = tmp_path / "p"
    shutil.copytree(EXAMPLES, folder)
    policy = folder / "treasury.toml"
    policy.write_text(policy.read_text().replace('name = "ETH to cold storage"\npayload = "payloads/treasury-eth-to-cold.json"\nexpect = "allow"',
                                                 'name = "ETH to cold storage"\npayload = "payloads/treasury-eth-to-cold.json"\nexpect = "deny"'))
    assert main(["policy", "test", str(policy), "--unsigned-policy"]) == 1
    assert "FAIL ETH to cold storage" in capsys.readouterr().out
