"""`policy lint` over the new sections (issue 23, item 4): a batch sum over a label that is not a token,
message rules that can never match or allow anything, presets without member constraints."""

import pytest

from decoders.abi import bundled_registry
from policies.lint import lint
from policies.schema import compile_policy
from tests.policies.helpers import addr, policy_text

HOT = f'\n[addresses.hot1]\nchain = 1\naddress = "{addr("hot wallet")}"\n'
PERMIT2 = '\n[addresses.PERMIT2]\nchain = 1\naddress = "0x000000000022D473030F116dDEE9F6B43aC78BA3"\n'


def findings(*sections: str):
    return [(f.severity, f.where, f.message) for f in lint(compile_policy(policy_text(*sections).encode(), "p.toml"),
                                                           bundled_registry())]


def warned(found, where: str, fragment: str) -> bool:
    return any(severity == "warn" and where in at and fragment in message for severity, at, message in found)


def test_sum_over_a_label_that_is_not_a_token_is_a_warning():
    # In raw units the schema cannot tell the cap's unit; lint says the cap never applies to a wallet.
    found = findings(HOT, '[[batch_rules]]\nid = "cap"\nsums = [{ token = "@hot1", lte = "8000000000000" }]\n')
    assert warned(found, "batch_rules[0] (cap).sums[0].token", "@hot1 is not a token")


@pytest.mark.parametrize("rule, where, fragment", [
    ('kind = "text"\nprimary_type = "PermitSingle"', ".kind", "can never match"),
    ('domain = { chain_id = 10 }', ".domain.chain_id", "can never match"),
    ('kind = "typed-data"', "message_rules[0] (m)", "ANY typed data"),
    ('preset = "permit2-single"', "message_rules[0] (m)", "preset permit2-single without members"),
    ('kind = "hash"', ".kind", "bare hash"),
    ('description = "anything"', "message_rules[0] (m)", "matches every message"),
])
def test_message_rules_that_never_match_or_allow_too_much(rule, where, fragment):
    found = findings(PERMIT2, f'[[message_rules]]\nid = "m"\neffect = "allow"\n{rule}\n')
    assert warned(found, where, fragment), found


def test_shadowed_message_allow_rule_and_clean_rule():
    deny = '[[message_rules]]\nid = "no-permit2"\neffect = "deny"\ndomain = { name = "Permit2" }\n'
    allow = ('[[message_rules]]\nid = "m"\neffect = "allow"\npreset = "permit2-single"\n'
             'members = { spender = "@ops", "details.amount" = { lte = 5 } }\n')
    assert warned(findings(PERMIT2, allow, deny), "message_rules[0] (m)", "shadowed: deny message rule no-permit2")
    clean = findings(PERMIT2, allow)
    assert [f for f in clean if f[0] == "warn"] == []


def test_tests_may_name_message_and_batch_rule_ids():
    allow = ('[[message_rules]]\nid = "m"\neffect = "allow"\npreset = "permit2-single"\nmembers = { spender = "@ops" }\n'
             '[[tests]]\npayload = "x.json"\nexpect = "allow"\nrules = ["m"]\n')
    assert not warned(findings(PERMIT2, allow), "tests", "does not exist")


def test_approvals_without_an_allowance_limit_get_a_note():
    approve = ('[[rules]]\nid = "a"\neffect = "allow"\ncall = { to = "@USDC", function = "approve(address spender,uint256 amount)" }\n'
               'args = { spender = "@ops" }\n')
    assert any(f[0] == "info" and "allowances" in f[2] for f in findings(approve))
    capped = approve + '[[batch_rules]]\nid = "b"\nallowances = [{ token = "@USDC", left_lte = "0" }]\n'
    assert not any("allowances" in f[2] for f in findings(capped) if f[1].startswith("rules[0]"))
