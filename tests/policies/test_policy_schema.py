"""Strict schema: every mistake refuses the whole policy with file, key path and hint."""

import pytest

from policies.amounts import parse_amount
from policies.errors import PolicyError
from policies.schema import compile_policy
from tests.policies.helpers import BASE, PAYROLL, policy_text

TRANSFER_RULE = '''[[rules]]
id = "r1"
effect = "allow"
call = { to = "@USDC", function = "transfer(address to,uint256 amount)" }
args = { amount = { lte = "5 USDC" } }
'''


def refuse(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        compile_policy(text.encode(), "p.toml")
    return caught.value


# (what is wrong, policy text, expected key path fragment)
CASES = [
    ("malformed TOML", policy_text("[[rules]\nid = 1"), "p.toml"),
    ("unknown top-level key", policy_text("colour = 'blue'"), "colour"),
    ("wrong schema", BASE.replace("coldsight.policy/1", "coldsight.policy/9"), "schema"),
    ("serial is a string", BASE.replace("serial = 3", 'serial = "3"'), "meta.serial"),
    ("bad checksum", BASE.replace(PAYROLL, PAYROLL[:-1] + ("a" if PAYROLL[-1] != "a" else "b")), "addresses.payroll.address"),
    ("no safes", BASE.replace("[[safes]]\nchain = 1", "[[other]]\nchain = 1"), ""),
    ("unparseable amount", policy_text(TRANSFER_RULE.replace('"5 USDC"', '"five USDC"')), "args.amount.lte"),
    ("unknown unit", policy_text(TRANSFER_RULE.replace('"5 USDC"', '"5 DAI"')), "args.amount.lte"),
    ("too fine", policy_text(TRANSFER_RULE.replace('"5 USDC"', '"0.0000001 USDC"')), "args.amount.lte"),
    ("duplicate rule id", policy_text(TRANSFER_RULE, TRANSFER_RULE), "rules[1]"),
    ("unknown label", policy_text(TRANSFER_RULE.replace("@USDC", "@USDT")), "call.to"),
    ("no such argument", policy_text(TRANSFER_RULE.replace("args = { amount", "args = { amt")), "args.amt"),
    ("unknown operator", policy_text(TRANSFER_RULE.replace("lte", "below")), "args.amount.below"),
    ("not_in in an allow rule", policy_text(TRANSFER_RULE.replace('amount = { lte = "5 USDC" }', 'to = { not_in = ["@ops"] }')), "not_in"),
    ("order operator on an address", policy_text(TRANSFER_RULE.replace('amount = { lte = "5 USDC" }', 'to = { lt = 5 }')), "args.to.lt"),
    ("bad effect", policy_text(TRANSFER_RULE.replace('"allow"', '"permit"')), "effect"),
    ("bad signature", policy_text(TRANSFER_RULE.replace("transfer(address to,uint256 amount)", "transfer(address to,uint257 amount)")), "call.function"),
    ("args without function", policy_text('[[rules]]\nid = "x"\neffect = "allow"\ncall = { to = "@USDC", function = "*" }\nargs = { 0 = 1 }'), "args"),
    ("allow without target", policy_text('[[rules]]\nid = "x"\neffect = "allow"\ncall = { function = "pause()" }'), "call"),
    ("naive datetime", BASE.replace("serial = 3", "serial = 3\nexpires = 2030-01-01T00:00:00"), "meta.expires"),
    ("waiver of an integrity finding", policy_text('[[allow_dangerous]]\nfinding = "CLAIMED_HASH_MISMATCH"\ncall = { to = "@USDC" }\nreason = "long enough reason"'), "finding"),
    ("waiver with wildcard target", policy_text('[[allow_dangerous]]\nfinding = "PROXY_UPGRADE"\ncall = { to = "*" }\nreason = "long enough reason"'), "call.to"),
    ("bytes32 of the wrong length", policy_text('[[rules]]\nid = "x"\neffect = "allow"\ncall = { to = "@USDC", function = "f(bytes32 h)" }\nargs = { h = "0x1234" }'), "args.h"),
    ("bare list", policy_text(TRANSFER_RULE.replace('amount = { lte = "5 USDC" }', 'to = ["@ops"]')), "args.to"),
    ("uint8 out of range", policy_text('[[rules]]\nid = "x"\neffect = "allow"\ncall = { to = "@USDC", function = "f(uint8 n)" }\nargs = { n = 300 }'), "args.n"),
    ("unknown tuple field", policy_text('[[rules]]\nid = "x"\neffect = "allow"\ncall = { to = "@USDC", function = "f((address a,uint256 b) t)" }\nargs = { t = { fields = { c = 1 } } }'), "fields.c"),
    ("eq on an array", policy_text('[[rules]]\nid = "x"\neffect = "allow"\ncall = { to = "@USDC", function = "f(uint256[] xs)" }\nargs = { xs = { eq = 1 } }'), "args.xs.eq"),
]


@pytest.mark.parametrize("what, text, where", CASES, ids=[c[0] for c in CASES])
def test_schema_errors_name_file_and_key_path(what, text, where):
    err = refuse(text)
    assert err.where.startswith("p.toml")
    assert where in err.where
    assert err.code == "POLICY_INVALID"
    assert err.describe().startswith("policy refused: ")


def test_error_messages_carry_hints():
    err = refuse(policy_text(TRANSFER_RULE.replace("@USDC", "@USDT")))
    assert "resolves to nothing" in err.message and "[addresses]" in err.hint
    err = refuse(policy_text(TRANSFER_RULE.replace("args = { amount", "args = { amt")))
    assert "to, amount" in err.hint


def test_valid_policy_compiles():
    policy = compile_policy(policy_text(TRANSFER_RULE).encode(), "p.toml")
    assert [r.id for r in policy.rules] == ["r1"]
    assert policy.unmatched == "deny" and policy.unknown_abi == "deny"


def test_ten_megabyte_policy_is_refused_unread():
    text = policy_text("# " + "x" * (10 * 1024 * 1024))
    err = refuse(text)
    assert "bytes" in err.message and "refused" in err.message


def test_rule_with_ten_thousand_conditions_is_refused():
    conditions = ", ".join(f"{{ lte = {i} }}" for i in range(10_000))
    text = policy_text(TRANSFER_RULE.replace('{ lte = "5 USDC" }', f"{{ all_of = [{conditions}] }}"))
    err = refuse(text)
    assert "conditions in one rule" in err.message and "rules[0]" in err.where


def test_deeply_nested_conditions_are_refused():
    nested = "{ lte = 1 }"
    for _ in range(40):
        nested = f"{{ any_of = [{nested}] }}"
    err = refuse(policy_text(TRANSFER_RULE.replace('{ lte = "5 USDC" }', nested)))
    assert "nested" in err.message


def test_not_utf8_is_refused():
    with pytest.raises(PolicyError, match="UTF-8"):
        compile_policy(b"schema = \"\xff\"", "p.toml")


@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("5 ether", 5 * 10**18), ("1.5 gwei", 1_500_000_000), ("250000 USDC", 250_000 * 10**6),
    ("1_000 wei", 1000), ("0.000001 USDC", 1), (42, 42), ("0x10", 16),
])
def test_amounts_with_units(text, expected):
    assert parse_amount(text, "x", {"USDC": 6}) == expected


@pytest.mark.parametrize("text", ["-1 ether", "1e18", "1.5", "5 eth", True, 1.5, "", "1.0000000000000000001 ether"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(PolicyError):
        parse_amount(text, "x", {"USDC": 6})
