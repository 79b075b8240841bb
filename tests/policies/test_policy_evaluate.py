"""Evaluation: every condition operator, deny-wins, rule-order independence, binding to Safes and
chains, delegatecall trust, unknown ABIs, allow_dangerous waivers, and hypothesis properties."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.result import judged_verdict
from policies.signing import UNSIGNED_STATUS
from tests.policies.helpers import (IMPL, OPS, PAYROLL, SAFE, STRANGER, USDC, VAULT, addr, batch_report, calldata,
                                    decide, outcome, policy_text, report_for)


def rule(rule_id: str, effect: str, call: str, args: str | None = None, extra: str = "") -> str:
    text = f'[[rules]]\nid = "{rule_id}"\neffect = "{effect}"\ncall = {call}\n'
    if args:
        text += f"args = {args}\n"
    return text + extra


TRANSFER = 'transfer(address to,uint256 amount)'
USDC_TRANSFER = f'{{ to = "@USDC", function = "{TRANSFER}" }}'


def transfer(to: str, amount: int):
    return report_for(USDC, calldata("transfer(address,uint256)", to, amount))


# ---- operators -------------------------------------------------------------------------------

@pytest.mark.parametrize("condition, to, amount, expected", [
    ('{ to = "@payroll" }', PAYROLL, 1, "allow"),
    ('{ to = "@payroll" }', STRANGER, 1, "deny"),
    ('{ to = { eq = "@payroll" } }', PAYROLL, 1, "allow"),
    ('{ to = { in = ["@payroll", "@ops"] } }', OPS, 1, "allow"),
    ('{ to = { in = ["@payroll", "@ops"] } }', STRANGER, 1, "deny"),
    ('{ amount = { lt = 10 } }', PAYROLL, 9, "allow"),
    ('{ amount = { lt = 10 } }', PAYROLL, 10, "deny"),
    ('{ amount = { lte = "0.00001 USDC" } }', PAYROLL, 10, "allow"),
    ('{ amount = { gt = 10 } }', PAYROLL, 10, "deny"),
    ('{ amount = { gte = 10 } }', PAYROLL, 10, "allow"),
    ('{ amount = { lte = "250000 USDC" } }', PAYROLL, 250_000 * 10**6, "allow"),
    ('{ amount = { lte = "250000 USDC" } }', PAYROLL, 250_000 * 10**6 + 1, "deny"),
    ('{ amount = { any_of = [{ lt = 5 }, { gt = 100 }] } }', PAYROLL, 101, "allow"),
    ('{ amount = { any_of = [{ lt = 5 }, { gt = 100 }] } }', PAYROLL, 50, "deny"),
    ('{ amount = { all_of = [{ gt = 5 }, { lt = 100 }] } }', PAYROLL, 50, "allow"),
    ('{ amount = { all_of = [{ gt = 5 }, { lt = 100 }] } }', PAYROLL, 100, "deny"),
    ('{ 0 = "@payroll", 1 = { in = [1, 2] } }', PAYROLL, 2, "allow"),
    ('{ 0 = "@payroll", 1 = { in = [1, 2] } }', PAYROLL, 3, "deny"),
    ('{ to = "$safe" }', SAFE, 1, "allow"),
    ('{ to = "$safe" }', PAYROLL, 1, "deny"),
])
def test_scalar_operators(condition, to, amount, expected):
    text = policy_text(rule("r", "allow", USDC_TRANSFER, condition))
    assert outcome(text, transfer(to, amount)) == expected


def test_not_in_in_a_deny_rule():
    text = policy_text(rule("a", "allow", USDC_TRANSFER),
                       rule("d", "deny", USDC_TRANSFER, '{ to = { not_in = ["@payroll"] } }'))
    # the allow rule has no argument conditions: any transfer with value 0 would be allowed
    assert outcome(text, transfer(PAYROLL, 1)) == "allow"
    assert outcome(text, transfer(STRANGER, 1)) == "deny"


ROUTES = "setRoutes((address target,uint256 weight)[] routes)"


@pytest.mark.parametrize("condition, routes, expected", [
    ('{ routes = { every = { fields = { target = { in = ["@payroll", "@ops"] } } } } }', [(PAYROLL, 1), (OPS, 2)], "allow"),
    ('{ routes = { every = { fields = { target = { in = ["@payroll", "@ops"] } } } } }', [(PAYROLL, 1), (STRANGER, 2)], "deny"),
    ('{ routes = { some = { fields = { weight = { gt = 5 } } } } }', [(PAYROLL, 1), (OPS, 6)], "allow"),
    ('{ routes = { some = { fields = { weight = { gt = 5 } } } } }', [(PAYROLL, 1), (OPS, 5)], "deny"),
    ('{ routes = { length = { lte = 1 } } }', [(PAYROLL, 1)], "allow"),
    ('{ routes = { length = { lte = 1 } } }', [(PAYROLL, 1), (OPS, 1)], "deny"),
    ('{ routes = { every = { fields = { 1 = { lte = 10 } } } } }', [(PAYROLL, 10)], "allow"),
])
def test_arrays_and_tuple_fields(condition, routes, expected):
    text = policy_text(rule("r", "allow", f'{{ to = "@vault", function = "{ROUTES}" }}', condition))
    report = report_for(VAULT, calldata("setRoutes((address,uint256)[])", routes))
    assert outcome(text, report) == expected


UPGRADE = "upgradeToAndCall(address newImplementation,bytes data)"
INIT = 'calldata = { function = "initialize(address owner,uint256 fee)", args = { owner = "$safe", fee = { lte = 500 } } }'


@pytest.mark.parametrize("owner, fee, expected", [(SAFE, 500, "allow"), (SAFE, 501, "deny"), (STRANGER, 1, "deny")])
def test_nested_calldata(owner, fee, expected):
    text = policy_text(rule("u", "allow", f'{{ to = "@vault", function = "{UPGRADE}" }}', f'{{ data = {{ {INIT} }} }}'))
    inner = calldata("initialize(address,uint256)", owner, fee)
    report = report_for(VAULT, calldata("upgradeToAndCall(address,bytes)", IMPL, inner))
    assert outcome(text, report) == expected


def test_nested_calldata_that_does_not_decode_fails_closed_both_ways():
    report = report_for(VAULT, calldata("upgradeToAndCall(address,bytes)", IMPL, b"\x01\x02"))
    allow = policy_text(rule("u", "allow", f'{{ to = "@vault", function = "{UPGRADE}" }}', f'{{ data = {{ {INIT} }} }}'))
    assert outcome(allow, report) == "deny"
    deny = policy_text(rule("a", "allow", f'{{ to = "@vault", function = "{UPGRADE}" }}'),
                       rule("d", "deny", f'{{ to = "@vault", function = "{UPGRADE}" }}', f'{{ data = {{ {INIT} }} }}'))
    result = decide(deny, report)
    assert result.outcome == "deny" and "d" in result.calls[0].matched_rules


def test_failed_conditions_name_argument_expected_and_actual():
    text = policy_text(rule("r", "allow", f'{{ to = "@vault", function = "{ROUTES}" }}',
                            '{ routes = { every = { fields = { target = { in = ["@payroll"] } } } } }'))
    result = decide(text, report_for(VAULT, calldata("setRoutes((address,uint256)[])", [(PAYROLL, 1), (STRANGER, 2)])))
    failure = result.calls[0].failed_conditions[0]
    assert (failure.rule, failure.argument, failure.expected, failure.actual) == \
        ("r", "routes[1].target", "one of [@payroll]", STRANGER)


# ---- calls: value, no data, wildcards --------------------------------------------------------

def test_value_caps_and_plain_transfers():
    text = policy_text(rule("eth", "allow", '{ to = "@payroll", value = { lte = "1 ether" } }'))
    assert outcome(text, report_for(PAYROLL, value=10**18)) == "allow"
    assert outcome(text, report_for(PAYROLL, value=10**18 + 1)) == "deny"
    # a rule without `function` only allows calls without data
    assert outcome(text, report_for(PAYROLL, calldata("pause()"), value=1)) == "deny"


def test_allow_rule_without_value_only_allows_zero_value():
    text = policy_text(rule("r", "allow", USDC_TRANSFER))
    assert outcome(text, transfer(PAYROLL, 1)) == "allow"
    assert outcome(text, report_for(USDC, calldata("transfer(address,uint256)", PAYROLL, 1), value=1)) == "deny"


def test_deny_rule_without_function_catches_everything_to_its_target():
    text = policy_text(rule("a", "allow", USDC_TRANSFER), rule("d", "deny", '{ to = "@USDC" }'))
    assert outcome(text, transfer(PAYROLL, 1)) == "deny"


# ---- deny wins, warn, order ------------------------------------------------------------------

def test_deny_wins_and_warn_only_flags_allowed_calls():
    allow = rule("a", "allow", USDC_TRANSFER)
    warn = rule("w", "warn", USDC_TRANSFER, '{ amount = { gt = 100 } }')
    deny = rule("d", "deny", USDC_TRANSFER, '{ amount = { gt = 1000 } }')
    text = policy_text(allow, warn, deny)
    assert outcome(text, transfer(PAYROLL, 5)) == "allow"
    assert outcome(text, transfer(PAYROLL, 500)) == "warn"
    assert outcome(text, transfer(PAYROLL, 5000)) == "deny"
    assert outcome(policy_text(warn), transfer(PAYROLL, 500)) == "deny"  # warn never allows on its own


def test_rule_order_never_matters():
    rules = [rule("a", "allow", USDC_TRANSFER, '{ to = "@payroll" }'),
             rule("w", "warn", USDC_TRANSFER, '{ amount = { gt = 100 } }'),
             rule("d", "deny", USDC_TRANSFER, '{ amount = { gt = 1000 } }'),
             rule("o", "allow", USDC_TRANSFER, '{ to = "@ops", amount = { lt = 2000 } }')]
    reports = [transfer(to, amount) for to in (PAYROLL, OPS, STRANGER) for amount in (5, 500, 1500, 5000)]
    expected = [outcome(policy_text(*rules), r) for r in reports]
    shuffler = random.Random(7)
    for _ in range(5):
        shuffler.shuffle(rules)
        assert [outcome(policy_text(*rules), r) for r in reports] == expected
    assert set(expected) == {"allow", "warn", "deny"}


def test_batch_outcome_is_the_worst_call():
    text = policy_text(rule("a", "allow", USDC_TRANSFER, '{ to = "@payroll" }'))
    report = batch_report([(USDC, calldata("transfer(address,uint256)", PAYROLL, 1), 0),
                           (USDC, calldata("transfer(address,uint256)", STRANGER, 1), 0)])
    result = decide(text, report)
    assert [(c.path, c.outcome) for c in result.calls] == [("0", "allow"), ("0.0", "allow"), ("0.1", "deny")]
    assert result.verdict == "block" and judged_verdict(report.findings, result) == "block"
    assert result.summary_lines()[0].startswith("Policy test-policy #3 (signed 1-of-1 by test): call 0.1 denied: ")


# ---- binding, delegatecall, unknown ABI ------------------------------------------------------

def test_policy_binds_to_its_safe_and_chain():
    text = policy_text(rule("a", "allow", USDC_TRANSFER))
    other_safe = decide(text, report_for(USDC, calldata("transfer(address,uint256)", PAYROLL, 1), safe=addr("other")))
    assert other_safe.outcome == "deny" and "does not cover Safe" in other_safe.calls[0].message
    other_chain = decide(text, report_for(USDC, calldata("transfer(address,uint256)", PAYROLL, 1), chain=10))
    assert other_chain.outcome == "deny" and "chain 10" in other_chain.binding_error


def test_safe_version_binding():
    text = policy_text(rule("a", "allow", USDC_TRANSFER)).replace("chain = 1\naddress", 'chain = 1\nversion = "1.3.0"\naddress', 1)
    assert outcome(text, transfer(PAYROLL, 1)) == "deny"  # the payloads are Safe 1.4.1


def test_delegatecall_needs_a_trusted_target():
    text = policy_text(rule("a", "allow", '{ to = "@vault", function = "pause()", operation = "delegatecall" }'))
    assert outcome(text, report_for(VAULT, calldata("pause()"), operation=1)) == "deny"
    trusted = text.replace('trusted = ["@MultiSendCallOnly-1.4.1"]', 'trusted = ["@MultiSendCallOnly-1.4.1", "@vault"]')
    assert outcome(trusted, report_for(VAULT, calldata("pause()"), operation=1)) == "allow"
    # a rule must ask for delegatecall explicitly
    plain = trusted.replace(', operation = "delegatecall"', "")
    assert outcome(plain, report_for(VAULT, calldata("pause()"), operation=1)) == "deny"


def test_batch_through_untrusted_multisend_is_denied():
    text = policy_text(rule("a", "allow", USDC_TRANSFER)).replace('trusted = ["@MultiSendCallOnly-1.4.1"]', "trusted = []")
    result = decide(text, batch_report([(USDC, calldata("transfer(address,uint256)", PAYROLL, 1), 0)]))
    assert result.calls[0].outcome == "deny" and "[delegatecall].trusted" in result.calls[0].message


def test_unknown_abi_default():
    report = report_for(VAULT, calldata("frobnicate(uint256)", 1))
    assert outcome(policy_text(), report) == "deny"
    relaxed = policy_text("[defaults]\nunknown_abi = \"warn\"\n")
    assert outcome(relaxed, report) == "warn"
    named = policy_text(rule("f", "allow", '{ to = "@vault", function = "frobnicate(uint256 n)" }', "{ n = 1 }"))
    assert outcome(named, report) == "allow"


# ---- allow_dangerous ---------------------------------------------------------------------------

WAIVER = '''[[allow_dangerous]]
finding = "PROXY_UPGRADE"
call = { to = "@vault", function = "upgradeTo(address newImplementation)" }
args = { newImplementation = "@impl" }
reason = "Audited upgrade to impl, reviewed by two engineers"
'''


def test_allow_dangerous_waives_only_the_exact_call_of_a_signed_policy():
    text = policy_text(rule("u", "allow", '{ to = "@vault", function = "upgradeTo(address newImplementation)" }'), WAIVER)
    good = report_for(VAULT, calldata("upgradeTo(address)", IMPL))
    assert good.verdict == "block"  # PROXY_UPGRADE is critical without a policy
    result = decide(text, good)
    finding = next(f for f in good.findings if f.code == "PROXY_UPGRADE")
    assert result.waiver_for(finding) == "Audited upgrade to impl, reviewed by two engineers"
    assert judged_verdict(good.findings, result) == "ok"
    assert any("waives PROXY_UPGRADE" in line for line in result.summary_lines())

    other = report_for(VAULT, calldata("upgradeTo(address)", STRANGER))
    assert judged_verdict(other.findings, decide(text, other)) == "block"

    unsigned = report_for(VAULT, calldata("upgradeTo(address)", IMPL))
    draft = decide(text, unsigned, status=UNSIGNED_STATUS)
    assert draft.waiver_for(finding) is None and judged_verdict(unsigned.findings, draft) == "block"
    assert all(line.lstrip().startswith("UNSIGNED POLICY") for line in draft.summary_lines())
    assert all(call["message"].startswith("UNSIGNED POLICY") for call in draft.as_json()["calls"])


def test_unsigned_policy_never_gives_ok():
    text = policy_text(rule("a", "allow", USDC_TRANSFER))
    result = decide(text, transfer(PAYROLL, 1), status=UNSIGNED_STATUS)
    assert result.outcome == "allow" and result.verdict == "warn"


# ---- properties --------------------------------------------------------------------------------

conditions = st.sampled_from(['{ to = "@payroll" }', '{ to = { in = ["@payroll", "@ops"] } }', '{ amount = { lte = 100 } }',
                              '{ amount = { gt = 10 } }', None, '{ amount = { any_of = [{ lt = 5 }, { gt = 50 }] } }'])
deny_conditions = st.sampled_from(['{ to = { not_in = ["@ops"] } }', '{ amount = { gt = 20 } }', None, '{ to = "@payroll" }'])
effects = st.sampled_from(["allow", "warn", "deny"])
transfers = st.tuples(st.sampled_from([PAYROLL, OPS, STRANGER]), st.sampled_from([0, 5, 20, 60, 150]))
REPORTS = {(to, amount): transfer(to, amount) for to in (PAYROLL, OPS, STRANGER) for amount in (0, 5, 20, 60, 150)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(effects, conditions), max_size=4), deny_conditions, transfers)
def test_adding_a_deny_rule_never_turns_deny_into_allow(rules, deny_condition, call):
    texts = [rule(f"r{i}", effect, USDC_TRANSFER, cond) for i, (effect, cond) in enumerate(rules)
             if not (effect == "deny" and cond is None)]
    before = outcome(policy_text(*texts), REPORTS[call])
    after = outcome(policy_text(*texts, rule("extra", "deny", USDC_TRANSFER, deny_condition)), REPORTS[call])
    order = ("allow", "warn", "deny")
    assert order.index(after) >= order.index(before)
    if before == "deny":
        assert after == "deny"


@settings(max_examples=40, deadline=None)
@given(transfers, st.sampled_from([0, 1]))
def test_empty_policy_allows_nothing(call, value):
    to, amount = call
    report = report_for(USDC, calldata("transfer(address,uint256)", to, amount), value=value)
    result = decide(policy_text(), report)
    assert result.outcome == "deny" and result.verdict == "block"
