"""`verify --policy` text: every call names the rule that allowed it, every failed condition shows token units."""

import json

from app.cli import main
from tests.policies.helpers import OPS, PAYROLL, SAFE, calldata, decide, policy_text, report_for
from tests.policies.make_examples import MULTISEND_CALL_ONLY_141, USDC, multisend, payload

TRANSFER = "transfer(address,uint256)"
RULES = '''
[[rules]]
id = "payroll-usdc"
effect = "allow"
call = { to = "@USDC", function = "transfer(address to,uint256 amount)" }
args = { to = "@payroll", amount = { lte = "%s" } }

[[rules]]
id = "ops-usdc"
effect = "allow"
call = { to = "@USDC", function = "transfer(address to,uint256 amount)" }
args = { to = "@ops", amount = { lte = "1000 USDC" } }

[[rules]]
id = "eth-to-ops"
effect = "allow"
call = { to = "@ops", value = { lte = "1 ether" } }
'''


def test_failed_amount_is_shown_in_token_units():
    result = decide(policy_text(RULES % "250000 USDC"), report_for(USDC, calldata(TRANSFER, PAYROLL, 300_000 * 10**6)))
    failed = result.calls[0].failed_conditions[0]
    assert (failed.rule, failed.argument, failed.expected, failed.actual) == \
        ("payroll-usdc", "amount", "<= 250000 USDC", "300,000 USDC (300000000000)")


def test_cap_written_in_base_units_is_shown_in_token_units_too():
    result = decide(policy_text(RULES % "250000000000"), report_for(USDC, calldata(TRANSFER, PAYROLL, 300_000 * 10**6)))
    failed = result.calls[0].failed_conditions[0]
    assert failed.expected == "<= 250,000 USDC (250000000000)"


def test_failed_value_is_shown_in_the_native_coin():
    result = decide(policy_text(RULES % "1 USDC"), report_for(OPS, b"", value=2 * 10**18))
    failed = result.calls[0].failed_conditions[0]
    assert (failed.argument, failed.actual) == ("value", "2 native (2000000000000000000)")


def test_text_names_the_allowing_rule_for_every_call(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))
    entries = [(0, USDC, 0, calldata(TRANSFER, PAYROLL, 10 * 10**6)), (0, USDC, 0, calldata(TRANSFER, OPS, 10 * 10**6)),
               (0, OPS, 10**17, b"")]
    document = payload(SAFE, MULTISEND_CALL_ONLY_141, multisend(entries), operation=1)
    (tmp_path / "tx.json").write_text(json.dumps(document))
    (tmp_path / "p.toml").write_text(policy_text(RULES % "250000 USDC"))
    assert main(["verify", str(tmp_path / "tx.json"), "--policy", str(tmp_path / "p.toml"), "--unsigned-policy"]) == 1
    out = capsys.readouterr().out
    policy_rows = [line.strip() for line in out.splitlines() if line.strip().startswith("policy:")]
    assert len(policy_rows) == 4  # the batch node and its three calls
    assert "allowed by payroll-usdc" in policy_rows[1]
    assert "allowed by ops-usdc" in policy_rows[2]
    assert "allowed by eth-to-ops" in policy_rows[3]


def test_text_shows_failed_conditions_in_units(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))
    document = payload(SAFE, USDC, calldata(TRANSFER, OPS, 5000 * 10**6))
    (tmp_path / "tx.json").write_text(json.dumps(document))
    (tmp_path / "p.toml").write_text(policy_text(RULES % "250000 USDC"))
    assert main(["verify", str(tmp_path / "tx.json"), "--policy", str(tmp_path / "p.toml"), "--unsigned-policy"]) == 2
    out = capsys.readouterr().out
    assert "amount must be <= 1000 USDC, is 5,000 USDC (5000000000) (rule ops-usdc)" in out

