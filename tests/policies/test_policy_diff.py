"""Semantic `policy diff`: per (Safe, target, function, argument), in resolved addresses and token units.

Every "Done when" row of issue 11: a widened cap, a new recipient, a decimals change, an unpinned
version, an extended expiry, a changed waiver; a lowered cap is narrowing. Expected values come from
the edit each test makes (a cap of 250,000 USDC at 6 decimals is 250000 * 10^6 base units)."""

import json
from pathlib import Path

import pytest

from app.cli import main
from policies.diff import NARROWS, NEUTRAL, WIDENS, diff, table
from policies.load import parse_policy_bytes

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"
TREASURY = (EXAMPLES / "treasury.toml").read_text()
ADMIN = (EXAMPLES / "protocol-admin.toml").read_text()
NEW_PERSON = "0x1111111111111111111111111111111111111111"  # all digits: checksum-neutral


def changes(old: str, new: str, serial_warning: bool = False):
    found = diff(parse_policy_bytes(old.encode(), "old.toml"), parse_policy_bytes(new.encode(), "new.toml"))
    return [c for c in found if serial_warning or c.argument != "meta.serial"]  # the tests keep the serial


def only(found, **fields):
    hits = [c for c in found if all(getattr(c, k) == v for k, v in fields.items())]
    assert len(hits) == 1, (fields, found)
    return hits[0]


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_identical_policies_have_no_changes():
    assert changes(TREASURY, TREASURY) == []


def test_widened_cap_in_token_units():
    found = changes(TREASURY, edit(TREASURY, '"250000 USDC"', '"900000 USDC"'))
    change = only(found, argument="amount", function="transfer(address to, uint256 amount)", direction=WIDENS)
    assert change.old == f"<= 250,000 USDC ({250_000 * 10**6})" and change.new == f"<= 900,000 USDC ({900_000 * 10**6})"
    # Whole addresses (issue 23): four plus four characters is exactly what address poisoning forges.
    assert change.target == "@USDC 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48" and change.scope == "Safe 0xbBBe4CEFF6915031ca94bB0c29d14DaB311595E4 (chain 1)"


def test_lowered_cap_is_narrowing():
    found = changes(TREASURY, edit(TREASURY, '"1000000 USDC"', '"500000 USDC"'))
    assert [c.direction for c in found] == [NARROWS]
    assert found[0].argument == "amount" and found[0].new == f"<= 500,000 USDC ({500_000 * 10**6})"


def test_new_recipient_resolved_to_its_address():
    new = edit(TREASURY, 'args = { to = { in = ["@payroll", "@ops"] }', 'args = { to = { in = ["@payroll", "@ops", "@newbie"] }')
    new = edit(new, "[delegatecall]", f'[addresses.newbie]\nchain = 1\naddress = "{NEW_PERSON}"\n\n[delegatecall]')
    change = only(changes(TREASURY, new), argument="to", direction=WIDENS)
    assert change.note == f"rule payroll-usdc: added: @newbie {NEW_PERSON}"


def test_decimals_change_widens_every_cap_by_ten_to_the_k():
    found = changes(TREASURY, edit(TREASURY, "decimals = 6 }", "decimals = 18 }"))
    book = only(found, argument="@USDC decimals")
    assert book.direction == WIDENS and "\u00d7 10^12" in book.note
    cap = only(found, argument="amount", function="transfer(address to, uint256 amount)", direction=WIDENS,
               note="rule payroll-usdc: cap \u00d7 10^12; USDC decimals 6 \u2192 18")
    assert cap.new == f"<= 250,000 USDC ({250_000 * 10**18})"


def test_unpinned_version_and_widened_binding():
    found = changes(TREASURY, edit(TREASURY, 'version = "1.4.1"\n', ""))
    change = only(found, argument="Safe version")
    assert (change.direction, change.old, change.new, change.note) == (WIDENS, "1.4.1", "any", "version pin removed")
    other = edit(TREASURY, "[addresses]", f'[[safes]]\nchain = 1\naddress = "{NEW_PERSON}"\n\n[addresses]')
    assert only(changes(TREASURY, other), argument="Safe binding").direction == WIDENS


def test_extended_expiry_widens_and_shortened_narrows():
    later = only(changes(TREASURY, edit(TREASURY, "expires = 2099-12-31", "expires = 2199-12-31")), argument="meta.expires")
    assert later.direction == WIDENS and later.new == "2200-01-01 00:00 UTC"
    sooner = only(changes(TREASURY, edit(TREASURY, "expires = 2099-12-31", "expires = 2030-12-31")), argument="meta.expires")
    assert sooner.direction == NARROWS
    assert only(changes(TREASURY, edit(TREASURY, "expires = 2099-12-31\n", "")), argument="meta.expires").direction == WIDENS


def test_changed_and_new_waivers():
    changed = edit(ADMIN, 'args = { newImplementation = "@vault_impl_v2" }', 'args = { newImplementation = "@oracle_impl_v3" }')
    change = only(changes(ADMIN, changed), argument="PROXY_UPGRADE", direction=WIDENS)
    assert "oracle_impl_v3" in change.new and "vault_impl_v2" in change.old
    reworded = edit(ADMIN, "(example audit report #15)", "(example audit report #15, re-read)")
    assert [c.direction for c in changes(ADMIN, reworded)] == [NEUTRAL]
    dropped = ADMIN.split("[[allow_dangerous]]")
    removed = "[[allow_dangerous]]".join(dropped[:2]) + "\n[[tests]]" + dropped[2].split("[[tests]]", 1)[1]
    assert [c.direction for c in changes(ADMIN, removed)] == [NARROWS]


def test_relabelled_address_shows_the_new_address():
    new = edit(TREASURY, '"0x553bcb0FBb3774067e89AEDF5308AfF836f99e5a"', f'"{NEW_PERSON}"')
    found = changes(TREASURY, new)
    assert only(found, argument="@payroll").new == f"{NEW_PERSON} (chain 1)"
    assert only(found, argument="to", direction=WIDENS).note.endswith(f"added: @payroll {NEW_PERSON}")


def test_new_allow_rule_widens_new_deny_rule_narrows_removed_deny_widens():
    allow = TREASURY + '\n[[rules]]\nid = "pause-ops"\neffect = "allow"\ncall = { to = "@ops", function = "pause()" }\n'
    change = only(changes(TREASURY, allow), direction=WIDENS)
    assert change.function == "pause()" and change.target.startswith("@ops") and change.note == "new allow rule pause-ops"
    deny = TREASURY + '\n[[rules]]\nid = "no-ops"\neffect = "deny"\ncall = { to = "@ops" }\n'
    assert [c.direction for c in changes(TREASURY, deny)] == [NARROWS]
    assert [c.direction for c in changes(deny, TREASURY)] == [WIDENS]


REFUND = '\n[refund]\nreceivers = ["$executor"]\ntokens = [{ token = "native", max_total = "0.02 ether", max_gas_price = "50 gwei" }]\n'


def test_refund_table_widened():
    base = TREASURY + REFUND
    assert only(changes(TREASURY, base), argument="(table)").direction == WIDENS
    more = only(changes(base, edit(base, '"0.02 ether"', '"2 ether"')), argument="native max_total")
    assert more.direction == WIDENS and more.note == "cap \u00d7 10^2" and more.new.startswith("2 native")
    uncapped = only(changes(base, edit(base, ', max_gas_price = "50 gwei"', "")), argument="native max_gas_price")
    assert uncapped.direction == WIDENS and uncapped.new == "no cap"


BATCH = '\n[[batch_rules]]\nid = "limits"\nmax_calls = 5\nsums = [{ token = "@USDC", lte = "150000 USDC" }]\n'


def test_batch_rules_loosened_or_tightened():
    base = TREASURY + BATCH
    assert only(changes(TREASURY, base), argument="(rule)").direction == NARROWS
    assert only(changes(base, TREASURY), argument="(rule)").direction == WIDENS
    raised = only(changes(base, edit(base, '"150000 USDC"', '"200000 USDC"')), argument="sum of @USDC 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
    assert raised.direction == WIDENS
    assert only(changes(base, edit(base, "max_calls = 5", "max_calls = 3")), argument="max_calls").direction == NARROWS


def test_condition_rewritten_with_other_operators_counts_as_widening():
    new = edit(TREASURY, 'amount = { lte = "250000 USDC" }', 'amount = { any_of = [{ lte = "1 USDC" }, { gte = "5 USDC" }] }')
    assert only(changes(TREASURY, new), argument="amount").direction == WIDENS


def test_serial_not_raised_is_a_neutral_warning():
    change = only(changes(TREASURY, TREASURY, serial_warning=True), argument="meta.serial")
    assert change.direction == NEUTRAL and "WARNING" in change.note


def test_table_lists_widenings_first_with_headers():
    lines = table(changes(TREASURY, edit(edit(TREASURY, '"1000000 USDC"', '"500000 USDC"'), '"250000 USDC"', '"900000 USDC"')))
    assert lines[0].split()[:3] == ["CHANGE", "SAFE", "TARGET"]
    assert lines[1].startswith("WIDENS") and lines[2].startswith("narrows")


@pytest.fixture
def files(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


def test_cli_exit_1_only_when_something_widens(files, capsys):
    old = files("old.toml", TREASURY)
    lowered = files("low.toml", edit(TREASURY, "serial = 42", "serial = 43").replace('"1000000 USDC"', '"500000 USDC"'))
    assert main(["policy", "diff", old, lowered]) == 0
    out = capsys.readouterr().out
    assert "nothing newly allowed (0 widening, 1 narrowing, 0 other)" in out and "narrows" in out
    widened = files("wide.toml", edit(TREASURY, "serial = 42", "serial = 43").replace('"250000 USDC"', '"900000 USDC"'))
    assert main(["policy", "diff", old, widened, "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["allowsMore"] and document["schema"] == "coldsight.policy-diff/2"
    row = document["changes"][0]
    assert row["direction"] == "widens" and row["new"] == f"<= 900,000 USDC ({900_000 * 10**6})"
    assert row["where"] == "rules[0] (payroll-usdc).args.amount"


def test_cap_direction_follows_the_numbers():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=40, deadline=None)
    @given(st.integers(1, 10**9), st.integers(1, 10**9))
    def check(a: int, b: int):
        found = changes(edit(TREASURY, '"250000 USDC"', f'"{a} USDC"'), edit(TREASURY, '"250000 USDC"', f'"{b} USDC"'))
        expected = [] if a == b else [WIDENS if b > a else NARROWS]
        assert [c.direction for c in found] == expected

    check()
