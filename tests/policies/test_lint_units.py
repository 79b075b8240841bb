"""Lint with units: amounts in the unit of the call's token, checksummed addresses only, labels on the Safe's chain.

Each mistake refuses the whole policy (exit 3 from the CLI) with the file, the key path and a hint."""

import pytest

from policies.errors import PolicyError
from policies.schema import compile_policy
from tests.policies.helpers import BASE, PAYROLL, policy_text

DAI = "0x6B175474E89094C44Da98b954EedeAC495271d0F"  # DAI on Ethereum mainnet (etherscan)
OPTIMISM_USDC = "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85"  # native USDC on OP Mainnet (Circle's list)
BOOK = f'''
[addresses.DAI]
chain = 1
address = "{DAI}"
token = {{ symbol = "DAI", decimals = 18 }}

[addresses.opUSDC]
chain = 10
address = "{OPTIMISM_USDC}"
token = {{ symbol = "oUSDC", decimals = 6 }}
'''
BASE_WITH_BOOK = BASE.replace("\n[delegatecall]", BOOK + "\n[delegatecall]")


def rule(call: str, args: str = "") -> str:
    return f'[[rules]]\nid = "r"\neffect = "allow"\ncall = {call}\n' + (f"args = {args}\n" if args else "")


TRANSFER = '{ to = "@USDC", function = "transfer(address to,uint256 amount)" }'


def refuse(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        compile_policy(text.encode(), "p.toml")
    return caught.value


@pytest.mark.parametrize("amount, fragment", [
    ('"5000000 ether"', "is in ether, but this call goes to the USDC token"),
    ('"5 DAI"', "is in DAI, but this call goes to the USDC token"),
    ('"10 wei"', "is in wei"),
])
def test_cap_in_another_unit_is_refused(amount, fragment):
    error = refuse(policy_text(rule(TRANSFER, f"{{ amount = {{ lte = {amount} }} }}"), base=BASE_WITH_BOOK))
    assert fragment in error.message
    assert error.where == "p.toml: rules[0] (r).args.amount.lte" and "USDC" in error.hint


def test_cap_in_the_tokens_own_unit_or_raw_digits_is_accepted():
    for amount in ('"250000 USDC"', '"250000000000"', "250000000000"):
        compile_policy(policy_text(rule(TRANSFER, f"{{ amount = {{ lte = {amount} }} }}"), base=BASE_WITH_BOOK).encode(), "p")


def test_value_in_a_token_unit_is_refused_and_ether_accepted():
    call = '{ to = "@payroll", value = { lte = "%s" } }'
    error = refuse(policy_text(rule(call % "5 USDC"), base=BASE_WITH_BOOK))
    assert "native coin" in error.message and error.where.endswith("call.value.lte")
    compile_policy(policy_text(rule(call % "5 ether"), base=BASE_WITH_BOOK).encode(), "p")


def test_non_token_target_may_use_any_known_unit():
    # A router's amountIn is in whatever token it swaps: no single unit to check against.
    call = '{ to = "@ops", function = "swap(uint256 amountIn)" }'
    compile_policy(policy_text(rule(call, '{ amountIn = { lte = "5 DAI" } }'), base=BASE_WITH_BOOK).encode(), "p")


def test_nested_calldata_is_not_held_to_the_outer_token():
    call = '{ to = "@USDC", function = "upgradeToAndCall(address impl,bytes data)" }'
    args = '{ data = { calldata = { function = "setCap(uint256 cap)", args = { cap = { lte = "5 DAI" } } } } }'
    compile_policy(policy_text(rule(call, args), base=BASE_WITH_BOOK).encode(), "p")


@pytest.mark.parametrize("spelling", [PAYROLL.lower(), "0x" + PAYROLL[2:].upper()])
def test_single_case_addresses_are_refused_with_the_checksummed_form(spelling):
    error = refuse(BASE.replace(PAYROLL, spelling))
    assert "no EIP-55 checksum" in error.message and error.where == "p.toml: addresses.payroll.address"
    assert PAYROLL in error.hint


def test_all_digit_address_needs_no_letters():
    zero = "0x0000000000000000000000000000000000000001"
    compile_policy(policy_text(rule(f'{{ to = "{zero}" }}')).encode(), "p")


def test_label_on_another_chain_is_refused_where_it_is_used():
    error = refuse(policy_text(rule('{ to = "@opUSDC", function = "transfer(address to,uint256 amount)" }'),
                               base=BASE_WITH_BOOK))
    assert "chain 10" in error.message and "chain 1" in error.message
    assert error.where == "p.toml: rules[0] (r).call.to" and "define the label" in error.hint


def test_label_on_another_chain_is_fine_when_a_safe_lives_there():
    two_chains = BASE_WITH_BOOK.replace("[[safes]]", f'[[safes]]\nchain = 10\naddress = "{PAYROLL}"\n\n[[safes]]', 1)
    compile_policy(policy_text(rule('{ to = "@opUSDC", function = "transfer(address to,uint256 amount)" }',
                                    '{ amount = { lte = "5 oUSDC" } }'), base=two_chains).encode(), "p")


def test_cli_lint_exits_3_naming_file_and_key(tmp_path, capsys):
    from app.cli import main

    path = tmp_path / "p.toml"
    path.write_text(policy_text(rule(TRANSFER, '{ amount = { lte = "5000000 ether" } }'), base=BASE_WITH_BOOK))
    assert main(["policy", "lint", str(path)]) == 3
    err = capsys.readouterr().err
    assert "p.toml: rules[0] (r).args.amount.lte" in err and "ether" in err
