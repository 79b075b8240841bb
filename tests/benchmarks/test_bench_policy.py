"""Evaluating a 500-call MultiSend batch against a 1,000-rule policy (target: < 100 ms)."""

import pytest
from eth_utils import keccak, to_checksum_address

from policies.evaluate import evaluate_tree
from policies.load import loaded_from_bytes
from tests.policies.helpers import SIGNED, USDC, batch_report, calldata, policy_text


def _addr(i: int) -> str:
    return to_checksum_address(keccak(text=f"bench {i}")[:20])


def _setup():
    rules = []
    for i in range(1000):
        kind = i % 4
        if kind == 0:
            rules.append(f'[[rules]]\nid = "pay-{i}"\neffect = "allow"\ncall = {{ to = "@USDC", function = "transfer(address to,uint256 amount)" }}\n'
                         f'args = {{ to = "{_addr(i)}", amount = {{ lte = "{i + 1000} USDC" }} }}\n')
        elif kind == 1:
            rules.append(f'[[rules]]\nid = "eth-{i}"\neffect = "allow"\ncall = {{ to = "{_addr(i)}", value = {{ lte = "1 ether" }} }}\n')
        elif kind == 2:
            rules.append(f'[[rules]]\nid = "warn-{i}"\neffect = "warn"\ncall = {{ to = "{_addr(i)}", function = "approve(address spender,uint256 amount)" }}\n')
        else:
            rules.append(f'[[rules]]\nid = "deny-{i}"\neffect = "deny"\ncall = {{ to = "@USDC", function = "transfer(address to,uint256 amount)" }}\n'
                         f'args = {{ to = "{_addr(i)}" }}\n')
    policy = loaded_from_bytes(policy_text(*rules).encode(), "bench.toml", SIGNED).policy
    entries = []
    for j in range(500):
        i = (j * 4) % 1000
        if j % 2:
            entries.append((_addr(i + 1), b"", 10**17))
        else:
            entries.append((USDC, calldata("transfer(address,uint256)", _addr(i), 5 * 10**6), 0))
    return policy, batch_report(entries)


def test_bench_policy_500_calls_1000_rules(benchmark):
    policy, report = _setup()
    assert len(list(report.root.walk())) == 501 and len(policy.rules) == 1000
    result = benchmark(evaluate_tree, policy, report.root, report.context, SIGNED)
    assert result.outcome == "allow" and len(result.calls) == 501


EFFECT_LIMITS = '''
[[batch_rules]]
id = "effects"
sums = [{ token = "@USDC", lte = "100000000 USDC" }, { token = "@USDC", per_recipient = true, lte = "100000000 USDC" },
        { token = "native", lte = "1000 ether" }]
allowances = [{ token = "@USDC", lte = "1000000 USDC", left_lte = "1000000 USDC" }]
authority_changes = false
'''


def test_bench_batch_rules_over_effects_500_calls(benchmark):
    """The same 500-call batch and 1,000 rules plus a batch rule over outflows, allowances, counterparties
    and authority (issue 23)."""
    policy, report = _setup()
    parties = ", ".join(f'"{_addr(i)}"' for i in range(0, 1001))
    text = policy_text('[[rules]]\nid = "x"\neffect = "allow"\ncall = { to = "@ops" }\n',
                       EFFECT_LIMITS.replace("authority_changes = false", f"authority_changes = false\ncounterparties = [{parties}]"))
    limits = loaded_from_bytes(text.encode(), "bench.toml", SIGNED).policy
    policy.batch_rules = limits.batch_rules
    result = benchmark(evaluate_tree, policy, report.root, report.context, SIGNED, findings=list(report.findings))
    assert result.decision("batch:effects").outcome == "allow", result.decision("batch:effects").message


@pytest.mark.slow
def test_bench_message_rules_1000_rules_9000_item_permit2_batch(benchmark):
    """1,000 Permit2 message rules against a PermitBatch of 9,000 items (issue 23; 10,000 items would hold
    more than decoders.typed_view.MAX_TYPED_DATA_VALUES and be refused before any rule is read): each member
    path is read once, an order bound checked on the extreme item."""
    from policies.messages import evaluate_message
    from tests.policies.test_message_members import message, permit_batch

    review = message(permit_batch([5] * 9_000))
    rules = "".join(f'[[message_rules]]\nid = "r{i}"\neffect = "allow"\npreset = "permit2-batch"\n'
                    f'members = {{ spender = "@ops", "details.token" = "@USDC", "details.amount" = {{ lte = "{i} USDC" }} }}\n'
                    for i in range(1000))
    loaded = loaded_from_bytes(policy_text(rules).encode(), "bench.toml", SIGNED)
    result = benchmark(evaluate_message, loaded, review)
    assert result.calls[0].outcome == "deny" and len(result.calls[0].failed_conditions) <= 20
