"""Message rules that read the signed typed data by member path (issue 23, item 2).

The Permit2 class from the held-out trial: a policy allowing only the team's spender up to its cap must
deny an attacker's PermitSingle for 10M USDC to another spender, which a rule on domain and primary
type alone allowed. Members are read only through the declared types (what the hash signs)."""

import copy

import pytest

from policies.errors import PolicyError
from policies.load import loaded_from_bytes
from policies.messages import evaluate_message
from tests.policies.helpers import SIGNED, USDC, addr, policy_text
from tests.policies.test_message_rules import NOW, SPENDER, message, permit2_single

ATTACKER = addr("attacker spender")
TEAM_RULE = f'''
[addresses.router]
chain = 1
address = "{SPENDER}"

[[message_rules]]
id = "permit2-team"
effect = "allow"
description = "Permit2 allowances for our router only, at most 50,000 USDC, at most a week"
preset = "permit2-single"
domain = {{ chain_id = 1 }}
members = {{ spender = "@router", "details.token" = "@USDC", "details.amount" = {{ lte = "50000 USDC" }}, "details.expiration" = {{ lte = {NOW + 7 * 86400} }} }}
'''


def permit(amount: int, spender: str = SPENDER) -> dict:
    document = permit2_single()
    document["message"]["details"]["amount"] = str(amount)
    document["message"]["spender"] = spender
    return document


def decide(sections: str, document: dict):
    loaded = loaded_from_bytes(policy_text(sections).encode(), "test.toml", SIGNED)
    result = evaluate_message(loaded, message(document))
    decision, = result.calls
    return decision


def test_team_permit_within_cap_is_allowed_and_shown_in_token_units():
    decision = decide(TEAM_RULE, permit(20_000 * 10**6))
    assert decision.outcome == "allow" and decision.matched_rules == ("permit2-team",)
    assert "allowed by rule permit2-team" in decision.message
    assert f"details.amount = 20,000 USDC ({20_000 * 10**6})" in decision.message
    assert f"spender = {SPENDER} (@router)" in decision.message


def test_attackers_permit_for_ten_million_usdc_to_another_spender_is_denied():
    decision = decide(TEAM_RULE, permit(10_000_000 * 10**6, spender=ATTACKER))
    assert decision.outcome == "deny"
    failed = {f.argument: f for f in decision.failed_conditions}
    assert failed["spender"].actual == ATTACKER
    assert failed["details.amount"].actual == f"10,000,000 USDC ({10_000_000 * 10**6})"
    assert failed["details.amount"].expected == "<= 50000 USDC"


def test_domain_and_type_alone_no_longer_suffice_once_members_are_constrained():
    over_cap = decide(TEAM_RULE, permit(50_000 * 10**6 + 1))
    assert over_cap.outcome == "deny" and over_cap.failed_conditions[0].argument == "details.amount"
    long_lived = permit(1)
    long_lived["message"]["details"]["expiration"] = NOW + 30 * 86400
    assert decide(TEAM_RULE, long_lived).outcome == "deny"


def test_an_undeclared_member_never_satisfies_a_rule():
    # The attacker's own type declares `operator`, and adds the team's router as an extra, unsigned `spender`.
    document = copy.deepcopy(permit(1, spender=ATTACKER))
    document["types"]["TeamPermit"] = document["types"].pop("PermitSingle")
    document["types"]["TeamPermit"][1]["name"] = "operator"
    document["primaryType"] = "TeamPermit"
    document["message"]["operator"] = ATTACKER
    document["message"]["spender"] = SPENDER  # not declared: not in the hash
    rule = TEAM_RULE.replace('preset = "permit2-single"\ndomain = { chain_id = 1 }',
                             'primary_type = "TeamPermit"\ndomain = { name = "Permit2", chain_id = 1 }')
    rule = rule.replace('spender = "@router"', 'spender = { type = "address", eq = "@router" }')
    decision = decide(rule, document)
    assert decision.outcome == "deny"
    failed = {f.argument: f for f in decision.failed_conditions}
    assert failed["spender"].actual == "not a member its types declare (not signed)"


def test_an_undeclared_domain_name_does_not_satisfy_a_domain_rule():
    document = permit2_single()
    document["types"]["EIP712Domain"] = [m for m in document["types"]["EIP712Domain"] if m["name"] != "name"]
    rule = '[[message_rules]]\nid = "p2"\neffect = "allow"\ndomain = { name = "Permit2" }\n'
    decision = decide(rule, document)
    assert decision.outcome == "deny" and decision.failed_conditions[0].actual == "absent"


def test_deny_rule_on_members_holds_when_the_member_is_declared_with_another_type():
    deny = '''
[[message_rules]]
id = "any-permit2"
effect = "allow"
preset = "permit2-single"

[[message_rules]]
id = "no-big-permits"
effect = "deny"
members = { "details.amount" = { gt = "100000 USDC" } }
'''
    assert decide(deny, permit(100_001 * 10**6)).outcome == "deny"
    assert decide(deny, permit(99 * 10**6)).outcome == "allow"
    mistyped = permit(5)
    mistyped["types"]["PermitDetails"][1]["type"] = "string"  # not a uint160: a real Permit2 would not read it
    decision = decide(deny, mistyped)
    assert decision.outcome == "deny" and "no-big-permits" in decision.matched_rules


def test_cow_preset_pins_the_receiver():
    order = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                        {"name": "chainId", "type": "uint256"},
                                        {"name": "verifyingContract", "type": "address"}],
                       "Order": [{"name": n, "type": t} for n, t in (
                           ("sellToken", "address"), ("buyToken", "address"), ("receiver", "address"),
                           ("sellAmount", "uint256"), ("buyAmount", "uint256"), ("validTo", "uint32"),
                           ("appData", "bytes32"), ("feeAmount", "uint256"), ("kind", "string"),
                           ("partiallyFillable", "bool"), ("sellTokenBalance", "string"), ("buyTokenBalance", "string"))]},
             "primaryType": "Order",
             "domain": {"name": "Gnosis Protocol", "version": "v2", "chainId": 1,
                        "verifyingContract": "0x9008D19f58AAbD9eD0D60971565AA8510560ab41"},
             "message": {"sellToken": USDC, "buyToken": addr("weth"), "receiver": "0x" + "00" * 20,
                         "sellAmount": "1000000", "buyAmount": "1", "validTo": NOW + 60, "appData": "0x" + "00" * 32,
                         "feeAmount": "0", "kind": "sell", "partiallyFillable": False, "sellTokenBalance": "erc20",
                         "buyTokenBalance": "erc20"}}
    rule = ('[[message_rules]]\nid = "cow"\neffect = "allow"\npreset = "cow-order"\n'
            'members = { receiver = { in = ["0x0000000000000000000000000000000000000000", "$safe"] }, sellToken = "@USDC" }\n')
    decision = decide(rule, order)
    assert decision.outcome == "allow" and "sellAmount = 1 USDC (1000000)" in decision.message
    order["message"]["receiver"] = ATTACKER
    assert decide(rule, order).outcome == "deny"


@pytest.mark.parametrize("rule, fragment", [
    ('preset = "permit3"', "unknown preset"),
    ('preset = "permit2-single"\nprimary_type = "PermitBatch"', "already fixes primary_type"),
    ('preset = "permit2-single"\ndomain = { verifying_contract = "@USDC" }', "already fixes the verifying contract"),
    ('preset = "permit2-single"\nmembers = { "details.token" = "@USDC", "details.amount" = { lte = "5 ether" } }', "USDC token"),
    ('members = { "details.nonce" = "@nobody" }', "resolves to nothing"),
    ('members = { thing = { any_of = [1, "x"] } }', "cannot tell the type"),
    ('preset = "permit2-single"\nmembers = { details = "@USDC" }', "constrain its members by path"),
    ('preset = "permit2-single"\nmembers = { spendr = "@USDC" }', "PermitSingle has no member 'spendr'"),
    ('preset = "permit2-single"\nmembers = { "details.amount" = { lte = "2000000000000000000000000000000000000000000000000 USDC" } }',
     "out of range for uint160"),
])
def test_schema_refuses_bad_member_rules(rule, fragment):
    text = '[[message_rules]]\nid = "m"\neffect = "allow"\n' + rule + '\n'
    with pytest.raises(PolicyError) as caught:
        loaded_from_bytes(policy_text(text).encode(), "test.toml")
    assert fragment in str(caught.value)


def test_allowed_message_summary_names_the_rule_and_amounts_in_units():
    loaded = loaded_from_bytes(policy_text(TEAM_RULE).encode(), "test.toml", SIGNED)
    line, = evaluate_message(loaded, message(permit(20_000 * 10**6))).summary_lines()
    assert "this message allowed: typed data PermitSingle for domain Permit2 allowed by rule permit2-team" in line
    assert f"details.amount = 20,000 USDC ({20_000 * 10**6})" in line


COUNTERPARTY_RULE = f'''
[addresses.router]
chain = 1
address = "{SPENDER}"

[[message_rules]]
id = "permits-to-router"
effect = "allow"
primary_type = ["PermitSingle", "Permit"]
counterparties = ["@router"]
'''


def test_message_counterparties_use_the_batch_rule_vocabulary():
    assert decide(COUNTERPARTY_RULE, permit(1)).outcome == "allow"
    decision = decide(COUNTERPARTY_RULE, permit(1, spender=ATTACKER))
    failed, = decision.failed_conditions
    assert decision.outcome == "deny" and (failed.argument, failed.actual) == ("counterparty spender", ATTACKER)
    unknown = permit(1)
    unknown["primaryType"] = "PermitSingleX"
    unknown["types"]["PermitSingleX"] = unknown["types"].pop("PermitSingle")
    decision = decide(COUNTERPARTY_RULE.replace('"Permit"]', '"Permit", "PermitSingleX"]'), unknown)
    assert decision.outcome == "deny" and "cannot tell whom 'PermitSingleX' empowers" in decision.failed_conditions[0].actual


def test_deny_rule_counterparties_deny_whoever_is_not_listed():
    rule = COUNTERPARTY_RULE + ('[[message_rules]]\nid = "only-router"\neffect = "deny"\nprimary_type = "PermitSingle"\n'
                                'counterparties = ["@router"]\n')
    assert decide(rule, permit(1)).outcome == "allow"
    decision = decide(rule, permit(1, spender=ATTACKER))
    assert decision.outcome == "deny" and decision.matched_rules == ("only-router",)


def test_member_types_are_read_off_hex_values():
    rule = ('[[message_rules]]\nid = "tagged"\neffect = "allow"\nprimary_type = "Mail"\n'
            'members = { tag = "0x00000000000000000000000000000000000000000000000000000000000000ff" }\n')
    loaded = loaded_from_bytes(policy_text(rule).encode(), "test.toml", SIGNED)
    member, = loaded.policy.message_rules[0].members
    assert member.type == "bytes32"


def permit_batch(amounts: list[int]) -> dict:
    document = permit2_single()
    document["primaryType"] = "PermitBatch"
    document["types"]["PermitBatch"] = [{"name": "details", "type": "PermitDetails[]"},
                                        {"name": "spender", "type": "address"}, {"name": "sigDeadline", "type": "uint256"}]
    del document["types"]["PermitSingle"]
    details = document["message"]["details"]
    document["message"]["details"] = [dict(details, amount=str(a)) for a in amounts]
    return document


@pytest.mark.parametrize("amounts, allowed", [
    ([1, 2, 3], True),
    ([1, 50_000 * 10**6 + 1, 3], False),  # one item above the cap: the whole batch is refused
    ([50_000 * 10**6] * 3, True),
    ([], True),  # grants nothing
])
def test_a_list_must_hold_for_every_item_in_an_allow_rule(amounts, allowed):
    rule = ('[[message_rules]]\nid = "batch"\neffect = "allow"\npreset = "permit2-batch"\n'
            'members = { "details.token" = "@USDC", "details.amount" = { lte = "50000 USDC" } }\n')
    decision = decide(rule, permit_batch(amounts))
    assert (decision.outcome == "allow") is allowed
    if not allowed:
        assert decision.failed_conditions[0].argument == "details[1].amount"


@pytest.mark.parametrize("amounts, denied", [
    ([1, 2, 3], False),
    ([1, 100_001 * 10**6, 3], True),  # some item above: the deny rule holds
])
def test_a_list_holds_for_some_item_in_a_deny_rule(amounts, denied):
    rules = ('[[message_rules]]\nid = "any"\neffect = "allow"\npreset = "permit2-batch"\n'
             '[[message_rules]]\nid = "big"\neffect = "deny"\nmembers = { "details.amount" = { gt = "100000 USDC" } }\n'
             '[[message_rules]]\nid = "small"\neffect = "deny"\nmembers = { "details.amount" = { lt = 1 } }\n')
    decision = decide(rules, permit_batch(amounts))
    assert (decision.outcome == "deny") is denied
    assert ("big" in decision.matched_rules) is denied and "small" not in decision.matched_rules


WITHIN = ('[[message_rules]]\nid = "week"\neffect = "allow"\npreset = "permit2-single"\n'
          'members = { spender = "@ops", "details.expiration" = { within = "7 days" } }\n')


@pytest.mark.parametrize("expiration, allowed", [(NOW + 7 * 86400, True), (NOW + 7 * 86400 + 1, False), (2**48 - 1, False)])
def test_expiration_within_a_duration_of_the_review(expiration, allowed):
    from tests.policies.helpers import OPS

    document = permit(1, spender=OPS)
    document["message"]["details"]["expiration"] = expiration
    loaded = loaded_from_bytes(policy_text(WITHIN).encode(), "test.toml", SIGNED)
    decision, = evaluate_message(loaded, message(document), now=NOW).calls
    assert (decision.outcome == "allow") is allowed
    if not allowed:
        assert decision.failed_conditions[0].expected == "within 7 days of the review"


@pytest.mark.parametrize("member, fragment", [
    ('"details.expiration" = { within = "a week" }', "not a duration"),
    ('"details.expiration" = { within = "7 days", lte = 5 }', "within stands alone"),
    ('spender = { within = "7 days" }', "within stands alone"),
])
def test_within_is_checked_when_the_policy_loads(member, fragment):
    rule = f'[[message_rules]]\nid = "w"\neffect = "allow"\npreset = "permit2-single"\nmembers = {{ {member} }}\n'
    with pytest.raises(PolicyError) as caught:
        loaded_from_bytes(policy_text(rule).encode(), "test.toml")
    assert fragment in str(caught.value)
