"""[[message_rules]]: a policy allows, warns about or denies Safe messages by kind, EIP-712 primary
type and domain (name, chainId, verifyingContract), explained as calls are."""

import pytest

from decoders.messages import PERMIT2, review_message
from policies.errors import PolicyError
from policies.load import loaded_from_bytes
from policies.messages import evaluate_message
from tests.policies.helpers import SAFE, SIGNED, USDC, addr, policy_text

NOW = 1_800_000_000
SPENDER = addr("router")
ORDER_CONTRACT = addr("exchange")


def permit2_single(chain: int = 1, contract: str = PERMIT2, name: str = "Permit2") -> dict:
    # Uniswap/permit2 src/libraries/PermitHash.sol: PermitSingle(PermitDetails details,address spender,uint256 sigDeadline)
    return {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                                       {"name": "verifyingContract", "type": "address"}],
                      "PermitDetails": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint160"},
                                        {"name": "expiration", "type": "uint48"}, {"name": "nonce", "type": "uint48"}],
                      "PermitSingle": [{"name": "details", "type": "PermitDetails"}, {"name": "spender", "type": "address"},
                                       {"name": "sigDeadline", "type": "uint256"}]},
            "primaryType": "PermitSingle", "domain": {"name": name, "chainId": chain, "verifyingContract": contract},
            "message": {"details": {"token": USDC, "amount": "5", "expiration": NOW + 600, "nonce": 0},
                        "spender": SPENDER, "sigDeadline": NOW + 600}}


def message(inner, safe: str = SAFE, chain: int = 1):
    return review_message({"safe": safe, "chainId": chain, "safeVersion": "1.4.1", "message": inner}, now=NOW)


PERMIT2_RULE = '''
[addresses.PERMIT2]
chain = 1
address = "0x000000000022D473030F116dDEE9F6B43aC78BA3"

[[message_rules]]
id = "permit2"
effect = "allow"
description = "Permit2 allowances on mainnet"
primary_type = ["PermitSingle", "PermitBatch"]
domain = { name = "Permit2", chain_id = 1, verifying_contract = "@PERMIT2" }
'''


def decide(sections: str, review, status=SIGNED):
    loaded = loaded_from_bytes(policy_text(sections).encode(), "test.toml", status)
    result = evaluate_message(loaded, review)
    decision, = result.calls
    return result, decision


def test_allowed_by_domain_and_primary_type():
    result, decision = decide(PERMIT2_RULE, message(permit2_single()))
    assert (decision.path, decision.outcome, decision.matched_rules) == ("message", "allow", ("permit2",))
    assert result.verdict == "ok" and "allowed by rule permit2" in decision.message


@pytest.mark.parametrize("document, argument, actual", [
    (permit2_single(chain=10), "domain.chain_id", "10"),
    (permit2_single(contract=ORDER_CONTRACT), "domain.verifying_contract", repr(ORDER_CONTRACT)),
    (permit2_single(name="Permit3"), "domain.name", "'Permit3'"),
])
def test_unmatched_domain_is_denied_and_explained(document, argument, actual):
    result, decision = decide(PERMIT2_RULE, message(document))
    assert decision.outcome == "deny" and result.verdict == "block"
    failed, = decision.failed_conditions
    assert (failed.rule, failed.argument, failed.actual) == ("permit2", argument, actual)
    assert f"closest rule: {argument} must be" in decision.message


def test_text_message_never_meets_a_typed_data_rule_and_a_kind_rule_allows_it():
    _, decision = decide(PERMIT2_RULE, message("Sign in to example.org"))
    assert decision.outcome == "deny"
    assert decision.failed_conditions[0].argument == "primary_type"
    text_rule = '[[message_rules]]\nid = "sign-in"\neffect = "allow"\nkind = "text"\n'
    _, decision = decide(PERMIT2_RULE + text_rule, message("Sign in to example.org"))
    assert (decision.outcome, decision.matched_rules) == ("allow", ("sign-in",))


def test_deny_wins_and_warn_downgrades_an_allow():
    deny = '[[message_rules]]\nid = "no-permits"\neffect = "deny"\ndescription = "no standing allowances"\nprimary_type = "PermitSingle"\n'
    _, decision = decide(PERMIT2_RULE + deny, message(permit2_single()))
    assert decision.outcome == "deny" and decision.message.startswith("denied by rule no-permits: no standing allowances \u2014 ")
    warn = '[[message_rules]]\nid = "care"\neffect = "warn"\ndescription = "check the spender"\ndomain = { name = "Permit2" }\n'
    result, decision = decide(PERMIT2_RULE + warn, message(permit2_single()))
    assert decision.outcome == "warn" and "check the spender" in decision.message and result.verdict == "warn"


def test_defaults_unmatched_warn_applies_to_messages():
    sections = '[defaults]\nunmatched = "warn"\n'
    _, decision = decide(sections, message("hello"))
    assert decision.outcome == "warn" and decision.message == "no message rule allows a text message"


def test_a_message_of_another_safe_is_denied():
    _, decision = decide(PERMIT2_RULE, message(permit2_single(), safe=addr("other safe")))
    assert decision.outcome == "deny" and "does not cover Safe" in decision.message and "the message is denied" in decision.message


def test_unsigned_policy_never_clears_a_message():
    from policies.load import UNSIGNED_STATUS

    result, decision = decide(PERMIT2_RULE, message(permit2_single()), status=UNSIGNED_STATUS)
    assert decision.outcome == "allow" and result.verdict == "warn"


@pytest.mark.parametrize("rule, where", [
    ('[[message_rules]]\nid = "x"\neffect = "allow"\nkind = "picture"\n', "message_rules[0] (x).kind"),
    ('[[message_rules]]\nid = "x"\neffect = "allow"\nprimary = "Permit"\n', "message_rules[0]"),
    ('[[message_rules]]\nid = "x"\neffect = "allow"\nprimary_type = []\n', "message_rules[0] (x).primary_type"),
    ('[[message_rules]]\nid = "x"\neffect = "allow"\ndomain = { chain_id = "one" }\n', "message_rules[0] (x).domain.chain_id"),
    ('[[message_rules]]\nid = "x"\neffect = "allow"\ndomain = { verifying_contract = "@nobody" }\n',
     "message_rules[0] (x).domain.verifying_contract"),
    ('[[message_rules]]\nid = "x"\neffect = "allow"\n[[message_rules]]\nid = "x"\neffect = "deny"\n', "message_rules[1].id"),
    ('[[message_rules]]\nid = "x"\neffect = "maybe"\n', "message_rules[0] (x).effect"),
])
def test_schema_refuses_bad_message_rules(rule, where):
    with pytest.raises(PolicyError) as caught:
        loaded_from_bytes(policy_text(rule).encode(), "test.toml")
    assert caught.value.where.endswith(where) or where in str(caught.value)


def test_service_applies_message_rules_and_presentation_names_the_message(tmp_path):
    from app.presentation import present
    from app.service import MessageItem

    result, _ = decide('[defaults]\nunmatched = "deny"\n', message(permit2_single()))
    item = MessageItem(message=message(permit2_single()), policy=result)
    reasons = [reason.text for reason in present(item).reasons]
    assert item.verdict == "block"
    assert any(r.startswith("The policy does not allow this message: no message rule allows typed data PermitSingle for "
                            "domain Permit2") for r in reasons)
