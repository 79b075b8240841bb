"""`policy diff` over every section (issue 23, item 3): message rules, trust files, whole addresses,
amounts written in other units. Each test is a defect the held-out trial found."""

import json

import pytest

from app.cli import main
from policies.diff import NARROWS, NEUTRAL, WIDENS
from tests.policies.test_policy_diff import NEW_PERSON, TREASURY, changes, edit, only

PERMIT2_RULE = '''
[addresses.PERMIT2]
chain = 1
address = "0x000000000022D473030F116dDEE9F6B43aC78BA3"

[addresses.router]
chain = 1
address = "0x66a9893cC07D91D95644AEDD05D03f95e1dBA8Af"

[[message_rules]]
id = "permit2-router"
effect = "allow"
preset = "permit2-single"
members = { spender = "@router", "details.token" = "@USDC", "details.amount" = { lte = "50000 USDC" } }
'''
ANY_TYPED_DATA = '\n[[message_rules]]\nid = "anything"\neffect = "allow"\nkind = "typed-data"\n'


@pytest.fixture
def files(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


def test_new_allow_any_typed_data_rule_widens_and_exits_1(files, capsys):
    change = only(changes(TREASURY, TREASURY + ANY_TYPED_DATA), argument="(rule)")
    assert change.direction == WIDENS and change.target == "Safe messages"
    assert change.new == "allowed: kind one of [typed-data]" and change.note == "new allow message rule"
    old = files("old.toml", TREASURY)
    new = files("new.toml", edit(TREASURY, "serial = 42", "serial = 43") + ANY_TYPED_DATA)
    assert main(["policy", "diff", old, new]) == 1
    assert "NEW ALLOWS MORE (1 widening" in capsys.readouterr().out


def test_message_rule_member_cap_and_spender_changes():
    base = TREASURY + PERMIT2_RULE
    raised = only(changes(base, edit(base, '{ lte = "50000 USDC" }', '{ lte = "90000 USDC" }')),
                  argument="members.details.amount")
    assert raised.direction == WIDENS and raised.function == "message rule permit2-router"
    spender = edit(base, 'spender = "@router"', f'spender = {{ in = ["@router", "{NEW_PERSON}"] }}')
    added = only(changes(base, spender), argument="members.spender")
    assert added.direction == WIDENS and added.note == f"added: {NEW_PERSON}"
    assert only(changes(base, edit(base, 'effect = "allow"\npreset', 'effect = "warn"\npreset')),
                argument="effect").direction == NARROWS
    removed = only(changes(base, TREASURY + PERMIT2_RULE.split("[[message_rules]]")[0]), argument="(rule)")
    assert removed.direction == NARROWS


def test_message_rule_domain_constraint_removed_widens():
    base = TREASURY + '\n[[message_rules]]\nid = "p"\neffect = "allow"\nprimary_type = "PermitSingle"\ndomain = { chain_id = 1 }\n'
    assert only(changes(base, edit(base, "domain = { chain_id = 1 }\n", "")), argument="domain.chain_id").direction == WIDENS
    more = only(changes(base, edit(base, "chain_id = 1", "chain_id = [1, 10]")), argument="domain.chain_id")
    assert more.direction == WIDENS and more.note == "added: 10"


TRUST = '''schema = "coldsight.trust/1"
threshold = {threshold}
[[signers]]
name = "alice"
address = "0x1111111111111111111111111111111111111111"
[[signers]]
name = "bob"
address = "0x2222222222222222222222222222222222222222"
'''


def test_trust_threshold_lowered_is_a_widening_not_a_policy_error(files, capsys):
    old = files("trust-old.toml", TRUST.format(threshold=2))
    new = files("trust-new.toml", TRUST.format(threshold=1))
    assert main(["policy", "diff", old, new, "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "trust" and document["allowsMore"]
    change, = document["changes"]
    assert (change["direction"], change["argument"], change["old"], change["new"]) == (WIDENS, "threshold", "2 of 2", "1 of 2")
    assert main(["policy", "diff", new, old]) == 0


def test_trust_signer_added_is_shown_whole(files, capsys):
    third = "0x3333333333333333333333333333333333333333"
    old = files("trust-old.toml", TRUST.format(threshold=2))
    new = files("trust-new.toml", TRUST.format(threshold=2) + f'[[signers]]\nname = "carol"\naddress = "{third}"\n')
    assert main(["policy", "diff", old, new]) == 1
    out = capsys.readouterr().out
    assert f"carol {third}" in out and "may now sign policies" in out


def test_trust_and_policy_cannot_be_compared(files, capsys):
    code = main(["policy", "diff", files("old.toml", TREASURY), files("trust.toml", TRUST.format(threshold=1))])
    assert code == 3 and "cannot compare a trust file with a policy" in capsys.readouterr().err


def test_newly_allowed_address_is_printed_whole_in_text_and_json(files, capsys):
    new = edit(TREASURY, 'args = { to = { in = ["@payroll", "@ops"] }', f'args = {{ to = {{ in = ["@payroll", "@ops", "{NEW_PERSON}"] }}')
    old_path, new_path = files("old.toml", TREASURY), files("new.toml", edit(new, "serial = 42", "serial = 43"))
    assert main(["policy", "diff", old_path, new_path]) == 1
    text = capsys.readouterr().out
    assert f"added: {NEW_PERSON}" in text and "0x1111\u2026" not in text
    assert main(["policy", "diff", old_path, new_path, "--format", "json"]) == 1
    row = only_row(json.loads(capsys.readouterr().out), "to")
    assert row["note"].endswith(f"added: {NEW_PERSON}") and "0x1111111111111111111111111111111111111111" in row["new"]


def only_row(document: dict, argument: str) -> dict:
    rows = [r for r in document["changes"] if r["argument"] == argument]
    assert len(rows) == 1, rows
    return rows[0]


def test_new_label_is_listed_with_its_whole_address():
    new = edit(TREASURY, "[delegatecall]", f'[addresses.newbie]\nchain = 1\naddress = "{NEW_PERSON}"\n\n[delegatecall]')
    change = only(changes(TREASURY, new), argument="@newbie")
    assert change.direction == NEUTRAL and change.new == f"{NEW_PERSON} (chain 1)"


@pytest.mark.parametrize("old, new", [
    ('amount = { lte = "250000 USDC" }', 'amount = { lte = "250000000000" }'),       # base units
    ('amount = { lte = "250000 USDC" }', 'amount = { lte = "250000.000000 USDC" }'),
    ('value = { lte = "100 ether" }', 'value = { lte = "100000000000 gwei" }'),
    ('spender = "@ops", amount', 'spender = { in = ["@ops"] }, amount'),             # eq is a one-item in
    ('to = { in = ["@payroll", "@ops"] }', 'to = { in = ["@ops", "@payroll"] }'),
])
def test_equal_amounts_and_sets_written_differently_are_no_change(old, new):
    assert changes(TREASURY, edit(TREASURY, old, new)) == []


def test_equal_batch_cap_in_base_units_is_no_change():
    base = TREASURY.replace('{ token = "@USDC", lte = "600000 USDC" }', '{ token = "@USDC", lte = "600000000000" }')
    assert changes(TREASURY, base) == []


def test_message_counterparties_added_widen_an_allow_rule_and_a_deny_rule():
    base = TREASURY + ('\n[[message_rules]]\nid = "a"\neffect = "allow"\nprimary_type = "PermitSingle"\ncounterparties = ["@ops"]\n'
                       '[[message_rules]]\nid = "d"\neffect = "deny"\nprimary_type = "PermitSingle"\ncounterparties = ["@ops"]\n')
    wider = base.replace('counterparties = ["@ops"]', 'counterparties = ["@ops", "@payroll"]')
    found = changes(base, wider)
    assert sorted((c.function, c.direction) for c in found if c.argument == "counterparties") == \
        [("message rule a", WIDENS), ("message rule d", WIDENS)]
