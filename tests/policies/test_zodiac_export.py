"""`policy export --zodiac-roles`: which rules a chain can enforce, and never a rule exported partly.
(The encoding itself is checked against zodiac-roles-sdk in tests/differential/test_zodiac_roles_sdk.py.)"""

import pytest

from policies.schema import compile_policy
from policies.zodiac import export_roles
from tests.policies.helpers import OPS, SAFE, policy_text
from tests.policies.make_examples import USDC


def export(rule: str):
    policy = compile_policy(policy_text(rule).encode(), "p.toml")
    return export_roles(policy, 1, SAFE)


def test_transfer_cap_and_recipient_in_roles_words():
    result = export('[[rules]]\nid = "pay"\neffect = "allow"\ncall = { to = "@USDC", function = "transfer(address to,uint256 amount)" }\n'
                    'args = { to = "@ops", amount = { lte = "5 USDC" } }\n')
    permission, = result.permissions
    assert permission["targetAddress"] == USDC and permission["selector"] == "0xa9059cbb"
    assert permission["send"] is False and permission["delegatecall"] is False
    recipient, amount = permission["condition"]["children"]
    assert recipient == {"paramType": 1, "operator": 16, "compValue": "0x" + "00" * 12 + OPS[2:].lower()}
    # lte 5 USDC (5,000,000 base units) is "LessThan 5,000,001" on chain.
    assert amount == {"paramType": 1, "operator": 18, "compValue": "0x" + (5_000_001).to_bytes(32, "big").hex()}
    assert result.not_enforceable == []


@pytest.mark.parametrize("rule, reason", [
    ('call = { to = "*", function = "transfer(address to,uint256 amount)" }', "wildcard target"),
    ('call = { to = "@ops", value = { lte = "1 ether" } }', "value cap"),
    ('call = { to = "@ops", value = "0" }', "plain native transfer"),
    ('call = { to = "@vault", function = "run(bytes data)", operation = "delegatecall" }', "delegatecall"),
    ('call = { to = "@vault", function = "run(bytes data)" }\nargs = { data = { length = { lte = 4 } } }', "argument data"),
    ('call = { to = "@vault", function = "run(string name)" }\nargs = { name = "x" }', "string values"),
])
def test_rules_without_an_exact_on_chain_form_are_listed_not_exported(rule, reason):
    result = export(f'[[rules]]\nid = "r"\neffect = "allow"\n{rule}\n')
    assert result.permissions == []
    item, = result.not_enforceable
    assert item["rule"] == "r" and reason in item["reason"]


def test_deny_warn_batch_and_message_rules_are_listed():
    result = export('[[rules]]\nid = "d"\neffect = "deny"\ncall = { to = "@ops" }\n'
                    '[[rules]]\nid = "w"\neffect = "warn"\ncall = { to = "@ops" }\n'
                    '[[batch_rules]]\nid = "b"\nmax_calls = 3\n'
                    '[[message_rules]]\nid = "m"\neffect = "allow"\nkind = "text"\n')
    assert [i["rule"] for i in result.not_enforceable] == ["d", "w", "b", "m"]


def test_lte_of_the_maximum_constrains_nothing_and_any_data_is_a_target_permission():
    result = export('[[rules]]\nid = "a"\neffect = "allow"\ncall = { to = "@USDC", function = "approve(address spender,uint256 amount)" }\n'
                    f'args = {{ amount = {{ lte = "{2**256 - 1}" }} }}\n'
                    '[[rules]]\nid = "t"\neffect = "allow"\ncall = { to = "@vault", function = "*" }\n')
    approve, target = result.permissions
    assert "condition" not in approve
    assert set(target) == {"targetAddress", "send", "delegatecall"}
