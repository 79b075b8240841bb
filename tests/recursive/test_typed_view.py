"""One hash-bound view of typed data (issue 19): every judgement reads only what the digest signs.

Digests are checked against eth-account's EIP-712 encoder (an independent implementation), which
hashes only declared members: the permit with an extra `allowed: false` hashes exactly like the
unlimited permit without it."""

from eth_account.messages import _hash_eip191_message, encode_typed_data

from decoders.eip712_any import hash_typed_data_uncached
from decoders.messages import review_message
from decoders.typed_view import typed_view
from policies.load import loaded_from_bytes
from policies.messages import evaluate_message
from tests.builders import ZERO, address
from tests.policies.helpers import SAFE, SIGNED, USDC, policy_text

NOW = 1_800_000_000
SPENDER = address("drainer")
ATTACKER = address("attacker contract")
MAX = 2**256 - 1
EIP712_DOMAIN = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                 {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}]
# EIP-2612: Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)
PERMIT_TYPES = {"EIP712Domain": EIP712_DOMAIN,
                "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                           {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                           {"name": "deadline", "type": "uint256"}]}


def permit(**extra) -> dict:
    message = {"owner": SAFE, "spender": SPENDER, "value": str(MAX), "nonce": 0, "deadline": NOW + 600}
    message.update(extra)
    return {"types": PERMIT_TYPES, "primaryType": "Permit",
            "domain": {"name": "USD Coin", "version": "2", "chainId": 1, "verifyingContract": USDC}, "message": message}


def peer_digest(document: dict) -> bytes:
    return _hash_eip191_message(encode_typed_data(full_message=document))


def review(inner, chain: int = 1):
    return review_message({"safe": SAFE, "chainId": chain, "safeVersion": "1.4.1", "message": inner}, now=NOW)


def codes(result) -> dict:
    return {(f.code, f.severity) for f in result.findings}


USDC_PERMITS = '''
[[message_rules]]
id = "usdc-permits"
effect = "allow"
primary_type = "Permit"
domain = { chain_id = 1, verifying_contract = "@USDC" }
'''


def test_extra_member_permit_is_judged_as_the_unlimited_permit_it_signs():
    tricked = permit(allowed=False)
    result = review(tricked)
    assert result.inner.signed_bytes == peer_digest(permit()) == peer_digest(tricked)
    assert ("UNLIMITED_APPROVAL", "critical") in codes(result)
    assert ("TYPED_DATA_UNDECLARED", "critical") in codes(result)
    assert not any("revoking" in f.message for f in result.findings)
    assert result.verdict == "block"


def test_extra_member_permit_does_not_pass_a_policy_allowing_usdc_permits():
    from app.service import MessageItem

    loaded = loaded_from_bytes(policy_text(USDC_PERMITS).encode(), "test.toml", SIGNED)
    result = review(permit(allowed=False))
    item = MessageItem(message=result, policy=evaluate_message(loaded, result))
    assert item.verdict == "block"


def test_undeclared_domain_member_is_never_read_by_a_policy_rule():
    document = permit(value="1")
    document["types"] = dict(PERMIT_TYPES, EIP712Domain=EIP712_DOMAIN[:3])  # verifyingContract not declared
    result = review(document)
    assert result.inner.typed_data["domain"] == {"name": "USD Coin", "version": "2", "chainId": 1}
    loaded = loaded_from_bytes(policy_text(USDC_PERMITS).encode(), "test.toml", SIGNED)
    decision, = evaluate_message(loaded, result).calls
    assert decision.outcome != "allow"
    assert ("TYPED_DATA_UNDECLARED", "critical") in codes(result)


def test_view_holds_the_values_the_words_encode():
    document = permit(value="0x10", owner=SAFE.lower())
    view = typed_view(document)
    assert view.get("message.value") == 16 and view.get("message.owner") == SAFE
    assert view.get("message.allowed") is None and view.undeclared == ()
    assert view.digest == peer_digest(document) == peer_digest(view.as_document())
    assert view.hashes == hash_typed_data_uncached(document)


def test_duplicate_member_declarations_are_refused():
    import pytest

    from decoders.errors import PayloadError

    document = permit()
    document["types"] = dict(PERMIT_TYPES, Permit=PERMIT_TYPES["Permit"] + [{"name": "value", "type": "uint8"}])
    with pytest.raises(PayloadError, match="declared twice"):
        typed_view(document)


def test_bidi_override_in_a_text_message_is_deceptive_text():
    result = review("Sign in to example.org\u202e")
    assert ("DECEPTIVE_TEXT", "warn") in codes(result) and result.verdict == "warn"


def test_bidi_override_in_a_typed_data_string_is_deceptive_text():
    document = permit(value="1")
    document["domain"]["name"] = "USD\u202e Coin"
    assert ("DECEPTIVE_TEXT", "warn") in codes(review(document))


# -- a SafeTx of another Safe carried as a message is reviewed like a transaction ---------------------

SAFE_TX_TYPES = {"EIP712Domain": [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                 "SafeTx": [{"name": n, "type": t} for n, t in (
                     ("to", "address"), ("value", "uint256"), ("data", "bytes"), ("operation", "uint8"),
                     ("safeTxGas", "uint256"), ("baseGas", "uint256"), ("gasPrice", "uint256"),
                     ("gasToken", "address"), ("refundReceiver", "address"), ("nonce", "uint256"))]}
CHILD = address("child safe owned by this one")


def safe_tx(**fields) -> dict:
    message = {"to": ATTACKER, "value": "0", "data": "0x", "operation": 0, "safeTxGas": "0", "baseGas": "0",
               "gasPrice": "0", "gasToken": ZERO, "refundReceiver": ZERO, "nonce": 7}
    message.update(fields)
    return {"types": SAFE_TX_TYPES, "primaryType": "SafeTx", "domain": {"chainId": 1, "verifyingContract": CHILD},
            "message": message}


def test_safe_tx_message_with_a_delegatecall_blocks():
    result = review(safe_tx(operation=1, data="0x12345678"))
    found = [f for f in result.findings if f.code == "DELEGATECALL_UNTRUSTED"]
    assert found and found[0].severity == "critical" and found[0].path == "message:0"
    assert result.verdict == "block"


def test_safe_tx_message_with_a_refund_to_a_stranger_blocks():
    result = review(safe_tx(gasPrice=str(10**11), baseGas=str(10**9), refundReceiver=ATTACKER))
    assert ("GAS_REFUND", "critical") in codes(result) and result.verdict == "block"


def test_safe_tx_message_swapping_the_child_verifier_blocks():
    from tests.recursive.test_inner_safes import set_domain_verifier

    result = review(safe_tx(to=CHILD, data="0x" + set_domain_verifier().hex()))
    assert ("FALLBACK_HANDLER_CHANGE", "critical") in codes(result) and result.verdict == "block"


def test_plain_safe_tx_message_is_still_a_warning():
    result = review(safe_tx(value="1000"))
    assert result.verdict == "warn" and ("OPAQUE_APPROVAL", "warn") in codes(result)


# -- lookalikes in what a message signs ------------------------------------------------------------------

def test_lookalike_spender_in_a_permit_blocks():
    from decoders.addressbook import AddressBook, Entry
    from decoders.messages import review_message
    from tests.recursive.test_lookalikes import FAKE_3_4, PAYROLL

    book = AddressBook()
    book.add(Entry(1, PAYROLL, "payroll"))
    result = review_message({"safe": SAFE, "chainId": 1, "safeVersion": "1.4.1", "message": permit(value="5", spender=FAKE_3_4)},
                            now=NOW, address_book=book)
    assert ("ADDRESS_LOOKALIKE", "critical") in codes(result) and result.verdict == "block"


def test_safe_tx_with_a_non_safe_layout_is_unknown_typed_data():
    document = safe_tx(operation=1, data="0x12345678")
    document["types"] = dict(SAFE_TX_TYPES, SafeTx=[m if m["name"] != "to" else {"name": "to", "type": "string"}
                                                      for m in SAFE_TX_TYPES["SafeTx"]])
    document["message"]["to"] = "0x" + "ab" * 20
    result = review(document)
    assert ("UNKNOWN_TYPED_DATA", "warn") in codes(result)


def test_undeclared_member_of_the_owners_safe_message_is_a_finding():
    from tests.messages.test_messages import safe_message_typed_data

    document = safe_message_typed_data(b"hello", "1.4.1", safe=SAFE)
    document["message"]["note"] = "harmless sign-in"  # not declared by SafeMessage(bytes message): not signed
    result = review_message(document, now=NOW, safe_version="1.4.1")
    assert ("TYPED_DATA_UNDECLARED", "critical") in codes(result)
