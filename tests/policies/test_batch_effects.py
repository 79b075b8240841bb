"""Batch rules over what a transaction does (issue 23, item 1): outflows only, allowances granted and
left standing, counterparties by label, no authority changes; explanations name the calls and values.

Payloads are encoded with eth-abi (tests/policies/helpers.py); expected amounts come from the
numbers each test writes (104,250.75 USDC = 1,000,000 - 895,749.25)."""

import pytest

from policies.errors import PolicyError
from policies.schema import compile_policy
from tests.policies.helpers import (OPS, PAYROLL, SAFE, STRANGER, VAULT, addr, batch_report, calldata, decide, policy_text,
                                    report_for)
from tests.policies.make_examples import USDC

U = 10**6
FUNDING = addr("funding wallet")
ROUTER = addr("router")
SWAP = "swapExactIn(uint256 amountIn,uint256 minOut)"
BOOK = f'''
[addresses.router]
chain = 1
address = "{ROUTER}"

[addresses.funding]
chain = 1
address = "{FUNDING}"

[addresses.hot1]
chain = 1
address = "{addr("hot wallet 1")}"

[[rules]]
id = "usdc"
effect = "allow"
call = {{ to = "@USDC", function = "transfer(address to,uint256 amount)" }}
args = {{ to = {{ in = ["@payroll", "@ops", "@vault", "@hot1"] }} }}

[[rules]]
id = "pull"
effect = "allow"
call = {{ to = "@USDC", function = "transferFrom(address from,address to,uint256 amount)" }}
args = {{ from = "@funding", to = "$safe" }}

[[rules]]
id = "approve"
effect = "allow"
call = {{ to = "@USDC", function = "approve(address spender,uint256 amount)" }}

[[rules]]
id = "swap"
effect = "allow"
call = {{ to = "@router", function = "{SWAP}" }}

[[rules]]
id = "hand-over"
effect = "allow"
call = {{ to = "@vault", function = "transferOwnership(address newOwner)" }}
'''


def rule(body: str) -> str:
    return policy_text(BOOK, f'[[batch_rules]]\nid = "limits"\ndescription = "treasury limits"\n{body}\n')


def send(to: str, amount: int):
    return (USDC, calldata("transfer(address,uint256)", to, amount), 0)


def pull(amount: int):
    return (USDC, calldata("transferFrom(address,address,uint256)", FUNDING, SAFE, amount), 0)


def approve(spender: str, amount: int):
    return (USDC, calldata("approve(address,uint256)", spender, amount), 0)


def swap(amount: int):
    return (ROUTER, calldata("swapExactIn(uint256,uint256)", amount, 1), 0)


def limits(text: str, entries):
    result = decide(text, batch_report(entries))
    return result, result.decision("batch:limits")


def test_pulls_into_the_safe_are_not_outflow():
    # Pulling 5M USDC from the team's own funding wallet, then paying 60,000: the outflow is 60,000.
    cap = 'sums = [{ token = "@USDC", lte = "100000 USDC" }]'
    result, decision = limits(rule(cap), [pull(5_000_000 * U), send(PAYROLL, 60_000 * U)])
    assert decision.outcome == "allow" and decision.message == "holds: @USDC moved 60,000 USDC <= 100,000 USDC"
    _, decision = limits(rule(cap), [pull(5_000_000 * U), send(STRANGER, 60_000 * U), send(PAYROLL, 50_000 * U)])
    assert decision.outcome == "deny" and "0.1 (60,000 USDC to " + STRANGER in decision.failed_conditions[0].actual


LEFTOVER = '''allowances = [{ token = "@USDC", left_lte = "0", used_by = [
  { call = { to = "@router", function = "swapExactIn(uint256 amountIn,uint256 minOut)" }, amount = "amountIn" }] }]'''


def test_batch_leaving_allowance_standing_is_denied_with_the_amount_and_calls():
    entries = [approve(ROUTER, 1_000_000 * U), swap(895_749_250_000)]
    result, decision = limits(rule(LEFTOVER), entries)
    assert decision.outcome == "deny" and result.verdict == "block"
    failed, = decision.failed_conditions
    assert failed.argument == "allowance left standing after the batch of @USDC" and failed.expected == "<= 0 USDC"
    assert failed.actual == (f"104,250.75 USDC (left standing) \u2014 @router {ROUTER}: 0.0 approve 1,000,000 USDC, "
                             "0.1 swapExactIn uses 895,749.25 USDC")


def test_allowance_fully_used_or_revoked_holds():
    used = [approve(ROUTER, 895_749_250_000), swap(895_749_250_000)]
    assert limits(rule(LEFTOVER), used)[1].outcome == "allow"
    revoked = [approve(ROUTER, 1_000_000 * U), swap(895_749_250_000), approve(ROUTER, 0)]
    _, decision = limits(rule(LEFTOVER), revoked)
    assert decision.outcome == "allow" and "left standing after the batch of @USDC 0 USDC <= 0 USDC" in decision.message
    # A call of another contract does not use the router's allowance.
    _, decision = limits(rule(LEFTOVER), [approve(ROUTER, 10 * U), (VAULT, calldata("swapExactIn(uint256,uint256)", 10 * U, 1), 0)])
    assert decision.outcome == "deny"


def test_counterparties_by_label():
    body = 'counterparties = ["@payroll", "@ops", "@router"]'
    _, decision = limits(rule(body), [send(PAYROLL, 1), approve(ROUTER, 5), pull(7)])
    assert decision.outcome == "allow"  # the funding wallet only sends to the Safe: not a counterparty of an outflow
    _, decision = limits(rule(body), [send(PAYROLL, 1), approve(VAULT, 5)])
    failed, = decision.failed_conditions
    assert decision.outcome == "deny"
    assert (failed.argument, failed.actual) == ("call 0.1 (approve) spender", f"@vault {VAULT}")


def test_no_authority_changes():
    body = "authority_changes = false"
    handover = (VAULT, calldata("transferOwnership(address)", STRANGER), 0)
    _, decision = limits(rule(body), [send(PAYROLL, 1), handover])
    assert decision.outcome == "deny"
    assert decision.failed_conditions[0].actual.startswith(f"call 0.1 (transferOwnership to {STRANGER})")
    assert "OWNERSHIP_TRANSFER" in decision.failed_conditions[0].actual  # the core's finding, at every depth
    assert limits(rule(body), [send(PAYROLL, 1)])[1].outcome == "allow"
    # A lone call is a transaction of one call too.
    lone = decide(rule(body), report_for(VAULT, calldata("transferOwnership(address)", OPS)))
    assert lone.decision("batch:limits").outcome == "deny"


@pytest.mark.parametrize("body, where, fragment", [
    ('sums = [{ token = "@hot1", lte = "8000000 USDC" }]', "sums[0].token", "@hot1 is not a token"),
    ('sums = [{ token = "ETH", lte = "5 ether" }]', "sums[0].token", '"native"'),
    ('sums = [{ token = "USDC", lte = "5 USDC" }]', "sums[0].token", '"@USDC"'),
    ('allowances = [{ token = "native", lte = "1 ether" }]', "allowances[0].token", "no allowances"),
    ('allowances = [{ token = "@USDC" }]', "allowances[0]", "lte (granted) or left_lte"),
    ('allowances = [{ token = "@USDC", left_lte = "0", used_by = [{ call = { to = "@router", function = "swapExactIn(uint256 amountIn,uint256 minOut)" }, amount = "amountOut" }] }]',
     "used_by[0].amount", "no uint argument 'amountOut'"),
    ('authority_changes = "no"', "authority_changes", "expected a boolean"),
])
def test_schema_refuses_sums_over_non_tokens_and_points_at_native(body, where, fragment):
    with pytest.raises(PolicyError) as caught:
        compile_policy(rule(body).encode(), "p.toml")
    assert where in caught.value.where and fragment in str(caught.value)


def test_refund_token_eth_points_at_native():
    with pytest.raises(PolicyError) as caught:
        compile_policy(policy_text('[refund]\ntokens = [{ token = "ETH", max_total = "1 ether" }]\n').encode(), "p.toml")
    assert 'written "native"' in str(caught.value)


def test_refund_gas_price_denial_gives_the_values():
    from tests.policies.test_policy_batches_refunds import NATIVE, PAY_OPS, refund_report

    result = decide(policy_text(PAY_OPS, NATIVE), refund_report(51 * 10**9))
    failed, = result.refund.failed_conditions
    assert (failed.expected, failed.actual) == ("<= 50 gwei (50000000000 wei)", "51 gwei (51000000000 wei)")
    assert "gasPrice 51 gwei (51000000000 wei) is above the policy's max_gas_price 50 gwei" in result.refund.message


def model(**kinds):
    """A stand-in for decoders.effects.Effects (same attribute names), for the adapter's reading of it."""
    from types import SimpleNamespace

    return SimpleNamespace(assets=tuple(SimpleNamespace(**a) for a in kinds.get("assets", ())),
                           allowances=(), authority=tuple(SimpleNamespace(**a) for a in kinds.get("authority", ())),
                           settings=())


def test_effects_model_is_preferred_where_it_describes_a_call():
    from policies.evaluate import evaluate_tree
    from policies.load import loaded_from_bytes
    from tests.policies.helpers import SIGNED

    text = rule('sums = [{ token = "@USDC", lte = "100000 USDC" }]\ncounterparties = ["@payroll", "@router"]')
    report = batch_report([swap(50_000 * U), send(PAYROLL, 10 * U)])
    loaded = loaded_from_bytes(text.encode(), "t.toml", SIGNED)

    def decide_with(effects):
        result = evaluate_tree(loaded.policy, report.root, report.context, SIGNED, tx=report.payload.tx,
                               findings=list(report.findings), effects=effects)
        return result.decision("batch:limits")

    # The call tree alone sees only the transfer (10 USDC): the swap's function is unknown to it.
    assert decide_with(None).outcome == "allow"
    # The model says the swap pays 200,000 USDC from the Safe to the router and its proceeds go to a stranger.
    effects = model(assets=[
        dict(path="0.0", asset=USDC, sender=SAFE, recipient=ROUTER, amount=200_000 * U, bound="exact", role="payment",
             function="swapExactIn"),
        dict(path="0.0", asset=addr("weth"), sender=ROUTER, recipient=STRANGER, amount=None, bound="at least",
             role="proceeds", function="swapExactIn")])
    decision = decide_with(effects)
    assert decision.outcome == "deny"
    sums, party = decision.failed_conditions
    assert sums.actual.startswith("200,010 USDC: calls 0.0 (200,000 USDC to @router")
    assert (party.argument, party.actual) == ("call 0.0 (swapExactIn) recipient", STRANGER)
    # The transfer at 0.1, which the model does not describe here, is still read from the call tree.
    assert "0.1 (10 USDC to @payroll" in sums.actual


def test_effects_model_amount_without_an_exact_bound_breaks_the_sum():
    from policies.evaluate import evaluate_tree
    from policies.load import loaded_from_bytes
    from tests.policies.helpers import SIGNED

    loaded = loaded_from_bytes(rule('sums = [{ token = "@USDC", lte = "100000 USDC" }]').encode(), "t.toml", SIGNED)
    report = batch_report([swap(1)])
    effects = model(assets=[dict(path="0.0", asset=USDC, sender=SAFE, recipient=ROUTER, amount=None, bound="all",
                                 role="payment", function="swapExactIn")])
    result = evaluate_tree(loaded.policy, report.root, report.context, SIGNED, effects=effects)
    assert result.decision("batch:limits").failed_conditions[0].actual == "unknown: call(s) 0.0 do not decode or do not fix the amount"


def test_used_by_patterns_are_bounded():
    use = '{ call = { to = "@router", function = "swapExactIn(uint256 amountIn,uint256 minOut)" }, amount = "amountIn" }'
    body = f'allowances = [{{ token = "@USDC", left_lte = "0", used_by = [{", ".join([use] * 65)}] }}]'
    with pytest.raises(PolicyError) as caught:
        compile_policy(rule(body).encode(), "p.toml")
    assert "65 used_by patterns; at most 64" in str(caught.value)


UNISWAP_V2_ROUTER = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"  # Uniswap/v2-periphery deployments: Router02, mainnet
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"  # WETH9, mainnet
SWAP_V2 = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"


def test_batch_rules_read_the_effects_model_of_a_real_review():
    # The core's effects model knows that a Uniswap v2 swap pays its proceeds to `to`; no transfer call says so.
    policy = policy_text(f'''
[addresses.uniswap]
chain = 1
address = "{UNISWAP_V2_ROUTER}"

[[rules]]
id = "approve"
effect = "allow"
call = {{ to = "@USDC", function = "approve(address spender,uint256 amount)" }}

[[rules]]
id = "swap"
effect = "allow"
call = {{ to = "@uniswap", function = "swapExactTokensForTokens(uint256 amountIn,uint256 amountOutMin,address[] path,address to,uint256 deadline)" }}

[[batch_rules]]
id = "limits"
counterparties = ["@uniswap"]

[[batch_rules.allowances]]
token = "@USDC"
left_lte = "0"
used_by = [{{ call = {{ to = "@uniswap", function = "swapExactTokensForTokens(uint256 amountIn,uint256 amountOutMin,address[] path,address to,uint256 deadline)" }}, amount = "amountIn" }}]
''')

    def batch(to: str):
        return batch_report([(USDC, calldata("approve(address,uint256)", UNISWAP_V2_ROUTER, 1_000 * U), 0),
                             (UNISWAP_V2_ROUTER, calldata(SWAP_V2, 1_000 * U, 1, [USDC, WETH], to, 2**40), 0)])

    report = batch(STRANGER)
    assert any(m.recipient == STRANGER for m in report.effects.assets)  # the model saw the proceeds
    decision = decide(policy, report).decision("batch:limits")
    failed, = decision.failed_conditions
    assert decision.outcome == "deny"
    assert (failed.argument, failed.actual) == ("call 0.1 (swapExactTokensForTokens) recipient", STRANGER)
    # Proceeds back to the Safe itself, the allowance used in full: the rule holds.
    assert decide(policy, batch(SAFE)).decision("batch:limits").outcome == "allow"
