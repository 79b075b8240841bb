"""`[[batch_rules]]`: sums per token and recipient, call counts, required sequences; explained in token units.

Payloads are encoded with eth-abi (tests/policies/helpers.py), never with Coldsight's encoder."""

import pytest

from policies.errors import PolicyError
from policies.schema import compile_policy
from tests.policies.helpers import OPS, PAYROLL, STRANGER, VAULT, batch_report, calldata, decide, policy_text, report_for
from tests.policies.make_examples import USDC

USDC_UNIT = 10**6
TRANSFER = "transfer(address,uint256)"
APPROVE = "approve(address,uint256)"
ALLOW = '''
[[rules]]
id = "usdc"
effect = "allow"
call = { to = "@USDC", function = "transfer(address to,uint256 amount)" }
args = { to = { in = ["@payroll", "@ops", "@vault"] } }

[[rules]]
id = "approve-vault"
effect = "allow"
call = { to = "@USDC", function = "approve(address spender,uint256 amount)" }
args = { spender = "@vault" }

[[rules]]
id = "vault-deposit"
effect = "allow"
call = { to = "@vault", function = "deposit(uint256 amount)" }

[[rules]]
id = "eth"
effect = "allow"
call = { to = ["@payroll", "@ops"], value = { lte = "100 ether" } }
'''


def send(to: str, usdc: int) -> tuple[str, bytes, int]:
    return (USDC, calldata(TRANSFER, to, usdc * USDC_UNIT), 0)


def batch_rule(body: str, rule_id: str = "limits") -> str:
    return policy_text(ALLOW, f'[[batch_rules]]\nid = "{rule_id}"\ndescription = "monthly limits"\n{body}\n')


def batch_decision(text: str, report):
    result = decide(text, report)
    return result, result.decision("batch:limits")


TOTAL_CAP = 'sums = [{ token = "@USDC", lte = "100000 USDC" }]'


def test_total_sum_over_the_batch_is_capped_and_explained_in_units():
    # 60,000 + 50,000 USDC: each call allowed on its own, together above the 100,000 USDC cap.
    result, decision = batch_decision(batch_rule(TOTAL_CAP), batch_report([send(PAYROLL, 60_000), send(OPS, 50_000)]))
    assert [c.outcome for c in result.calls] == ["allow", "allow", "allow"]
    assert decision.outcome == "deny" and result.outcome == "deny" and result.verdict == "block"
    failed = decision.failed_conditions[0]
    # The explanation names the calls it added (issue 23), with whole addresses.
    assert (failed.rule, failed.argument, failed.expected, failed.actual) == \
        ("limits", "sum of @USDC", "<= 100,000 USDC",
         f"110,000 USDC: calls 0.0 (60,000 USDC to @payroll {PAYROLL}), 0.1 (50,000 USDC to @ops {OPS})")
    assert "monthly limits" in decision.message
    assert any("batch rule limits denied" in line for line in result.summary_lines())


def test_total_sum_within_cap_allows_and_says_why():
    result, decision = batch_decision(batch_rule(TOTAL_CAP), batch_report([send(PAYROLL, 60_000), send(OPS, 40_000)]))
    assert decision.outcome == "allow" and result.outcome == "allow"
    assert decision.message == "holds: @USDC moved 100,000 USDC <= 100,000 USDC"


def test_per_recipient_sum_names_the_recipient():
    body = 'sums = [{ token = "@USDC", per_recipient = true, lte = "50000 USDC" }]'
    entries = [send(PAYROLL, 30_000), send(OPS, 40_000), send(PAYROLL, 30_000)]
    _, decision = batch_decision(batch_rule(body), batch_report(entries))
    assert decision.outcome == "deny"
    assert decision.failed_conditions[0].actual == (f"60,000 USDC to @payroll {PAYROLL}: calls 0.0 (30,000 USDC to "
                                                    f"@payroll {PAYROLL}), 0.2 (30,000 USDC to @payroll {PAYROLL})")
    _, fine = batch_decision(batch_rule(body), batch_report(entries[:2]))
    assert fine.outcome == "allow"


def test_approvals_are_allowance_not_outflow_and_capped_under_allowances():
    # Issue 23: an approval is an allowance; `allowances` caps it (sums count outflows only).
    entries = [(USDC, calldata(APPROVE, VAULT, 80_000 * USDC_UNIT), 0), send(OPS, 30_000)]
    _, decision = batch_decision(batch_rule(TOTAL_CAP), batch_report(entries))
    assert decision.outcome == "allow" and decision.message == "holds: @USDC moved 30,000 USDC <= 100,000 USDC"
    granted = TOTAL_CAP + '\nallowances = [{ token = "@USDC", lte = "50000 USDC" }]'
    _, decision = batch_decision(batch_rule(granted), batch_report(entries))
    failed, = decision.failed_conditions
    assert decision.outcome == "deny" and failed.argument == "allowance granted of @USDC"
    assert failed.actual == f"80,000 USDC (granted) \u2014 @vault {VAULT}: 80,000 USDC"


def test_native_sum_in_ether():
    body = 'sums = [{ token = "native", lte = "1 ether" }]'
    _, decision = batch_decision(batch_rule(body), batch_report([(PAYROLL, b"", 6 * 10**17), (OPS, b"", 5 * 10**17)]))
    assert decision.outcome == "deny" and decision.failed_conditions[0].actual.startswith("1.1 native")


def test_max_calls_and_counts():
    body = 'max_calls = 2\ncounts = [{ call = { to = "@USDC", function = "transfer(address to,uint256 amount)" }, lte = 1 }]'
    _, decision = batch_decision(batch_rule(body), batch_report([send(PAYROLL, 1), send(OPS, 1), send(VAULT, 1)]))
    assert [(f.argument, f.expected, f.actual) for f in decision.failed_conditions] == [
        ("number of calls", "<= 2", "3"),
        ("calls of transfer(address to,uint256 amount) on @USDC", "<= 1", "3")]
    _, single = batch_decision(batch_rule(body), report_for(USDC, calldata(TRANSFER, PAYROLL, 1)))
    assert single.outcome == "allow"  # a lone call is a transaction of one call


SEQUENCE = '''[[batch_rules.sequences]]
when = { call = { to = "@USDC", function = "approve(address spender,uint256 amount)" }, args = { spender = "@vault" } }
require = { amount = "1000 USDC" }
then = { call = { to = "@vault", function = "deposit(uint256 amount)" } }
'''


def approve(amount_usdc: int) -> tuple[str, bytes, int]:
    return (USDC, calldata(APPROVE, VAULT, amount_usdc * USDC_UNIT), 0)


DEPOSIT = (VAULT, calldata("deposit(uint256)", 1000 * USDC_UNIT), 0)


def test_sequence_approve_exactly_n_then_the_spenders_call():
    text = batch_rule(SEQUENCE)
    _, good = batch_decision(text, batch_report([approve(1000), DEPOSIT]))
    assert good.outcome == "allow", good.message
    _, wrong_amount = batch_decision(text, batch_report([approve(5000), DEPOSIT]))
    assert wrong_amount.outcome == "deny"
    failed = wrong_amount.failed_conditions[0]
    assert failed.argument.endswith("amount") and failed.expected == "= 1000 USDC"
    _, dangling = batch_decision(text, batch_report([approve(1000), send(OPS, 1)]))
    assert dangling.outcome == "deny" and dangling.failed_conditions[0].actual.startswith("call 0.1 to")
    _, last = batch_decision(text, batch_report([send(OPS, 1), approve(1000)]))
    assert last.failed_conditions[0].actual == "nothing (last call)"


def test_sequence_ignores_approvals_it_is_not_about():
    # The ordinary rules deny the stranger's approval; the sequence itself is only about @vault.
    result, decision = batch_decision(batch_rule(SEQUENCE), batch_report([(USDC, calldata(APPROVE, STRANGER, 1), 0)]))
    assert decision.outcome == "allow" and result.calls[1].outcome == "deny"


def test_warn_effect_caps_at_warn():
    text = batch_rule('effect = "warn"\n' + TOTAL_CAP)
    result, decision = batch_decision(text, batch_report([send(PAYROLL, 60_000), send(OPS, 50_000)]))
    assert decision.outcome == "warn" and result.outcome == "warn"


def test_undecodable_amount_breaks_the_sum():
    broken = (USDC, calldata(TRANSFER, PAYROLL, 1)[:-1], 0)  # one byte short: does not decode
    _, decision = batch_decision(batch_rule(TOTAL_CAP), batch_report([send(OPS, 1), broken]))
    assert decision.outcome == "deny" and "do not decode" in decision.failed_conditions[0].actual


def test_json_lists_batch_rules():
    result, _ = batch_decision(batch_rule(TOTAL_CAP), batch_report([send(PAYROLL, 1)]))
    document = result.as_json()
    assert document["batchRules"][0]["path"] == "batch:limits" and document["batchRules"][0]["outcome"] == "allow"


@pytest.mark.parametrize("body, where, fragment", [
    ('sums = [{ token = "@USDC", lte = "5 ether" }]', "sums[0].lte", "is in ether"),
    ('sums = [{ token = "native", lte = "5 USDC" }]', "sums[0].lte", "native coin"),
    ("max_calls = 0", "max_calls", "1 or more"),
    ('effect = "allow"\nmax_calls = 3', "effect", "expected one of deny, warn"),
    ('effect = "deny"', "batch_rules[0] (limits)", "checks nothing"),
    ('[[batch_rules.sequences]]\nwhen = { call = { to = "@vault" } }', "sequences[0]", "require, then"),
    ('sums = [{ token = "@USDC", lte = "1 USDC", cap = 3 }]', "sums[0].cap", "unknown key"),
])
def test_schema_errors_name_the_key(body, where, fragment):
    with pytest.raises(PolicyError) as caught:
        compile_policy(batch_rule(body).encode(), "p.toml")
    assert where in caught.value.where and fragment in caught.value.message


def test_batch_rule_id_may_not_reuse_a_rule_id():
    with pytest.raises(PolicyError) as caught:
        compile_policy(batch_rule("max_calls = 3", rule_id="usdc").encode(), "p.toml")
    assert "duplicate rule id" in caught.value.message


def test_policy_test_covers_batch_rules_when_a_test_breaks_them(tmp_path, capsys):
    import json

    from app.cli import main
    from tests.policies.helpers import SAFE
    from tests.policies.make_examples import MULTISEND_CALL_ONLY_141, multisend, payload

    document = payload(SAFE, MULTISEND_CALL_ONLY_141, multisend(
        [(0, to, value, data) for to, data, value in (send(PAYROLL, 60_000), send(OPS, 50_000))]), operation=1)
    document["chainId"] = 1
    (tmp_path / "big.json").write_text(json.dumps(document))
    case = '[[tests]]\nname = "too much USDC"\npayload = "big.json"\nexpect = "deny"\ncalls = { "batch:limits" = "deny" }\n'
    policy = tmp_path / "p.toml"
    policy.write_text(batch_rule(TOTAL_CAP) + case)
    assert main(["policy", "test", str(policy), "--unsigned-policy", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["tests"][0]["passed"] and "limits" not in result["uncoveredRules"]
    policy.write_text(batch_rule(TOTAL_CAP) + case.replace('"batch:limits" = "deny"', '"batch:limits" = "allow"'))
    main(["policy", "test", str(policy), "--unsigned-policy", "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert not result["tests"][0]["passed"]
    assert "call batch:limits: expected allow, got deny" in result["tests"][0]["problems"][0]
    small = dict(document, to=USDC, operation=0, data="0x" + send(PAYROLL, 1)[1].hex())
    (tmp_path / "small.json").write_text(json.dumps(small))
    policy.write_text(batch_rule(TOTAL_CAP) + case.replace("big.json", "small.json").replace('"deny"', '"allow"'))
    main(["policy", "test", str(policy), "--unsigned-policy", "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert result["tests"][0]["passed"] and "limits" in result["uncoveredRules"]  # never shown to bite
