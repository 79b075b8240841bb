"""Safe messages: SafeMessage hashes for every version against two peers, the inner message, findings.

Peers: safe-eth-py's Safe.get_message_hash (its own SAFE_MESSAGE_TYPEHASH and preimage code), fed
the domain separator eth-account computes from the Safe's EIP-712 domain; and eth-account's
generic EIP-712 encoder over the full SafeMessage typed data. Inner typed data is hashed by
eth-account too; text messages by eth-account's EIP-191 helper."""

import pytest
from eth_account.messages import _hash_eip191_message, defunct_hash_message, encode_typed_data
from eth_hash.auto import keccak
from safe_eth.safe.safe import SafeV141

from decoders.errors import ContextError, PayloadError
from decoders.messages import review_message
from tests.core.peers import OWNERS

SAFE = OWNERS[4]
SPENDER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # Circle's USDC on Ethereum
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"  # Uniswap/permit2 README
COW_SETTLEMENT = "0x9008D19f58AAbD9eD0D60971565AA8510560ab41"  # cowprotocol docs: GPv2Settlement
NOW = 1_750_000_000
VERSIONS = ["0.1.0", "1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.4.1", "1.5.0"]
DOMAIN_NO_CHAIN = [{"name": "verifyingContract", "type": "address"}]
DOMAIN_WITH_CHAIN = [{"name": "chainId", "type": "uint256"}] + DOMAIN_NO_CHAIN


def safe_message_typed_data(message: bytes, version: str, chain_id: int = 1, safe: str = SAFE) -> dict:
    with_chain = tuple(int(p) for p in version.split(".")) >= (1, 3, 0)
    domain = {"chainId": chain_id, "verifyingContract": safe} if with_chain else {"verifyingContract": safe}
    return {"types": {"EIP712Domain": DOMAIN_WITH_CHAIN if with_chain else DOMAIN_NO_CHAIN,
                      "SafeMessage": [{"name": "message", "type": "bytes"}]},
            "primaryType": "SafeMessage", "domain": domain, "message": {"message": "0x" + message.hex()}}


def eth_account_digest(document: dict) -> bytes:
    return _hash_eip191_message(encode_typed_data(full_message=document))


def safe_eth_py_hash(message: bytes, version: str, chain_id: int = 1) -> bytes:
    domain = encode_typed_data(full_message=safe_message_typed_data(message, version, chain_id)).header
    peer = object.__new__(SafeV141)  # no node: only the message-hash code is used
    peer.__dict__["domain_separator"] = domain
    return bytes(peer.get_message_hash(message))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("message", [b"", b"hello", keccak(b"x"), bytes(range(200))])
def test_safe_message_hash_matches_both_peers(version, message):
    review = review_message(safe_message_typed_data(message, version, chain_id=10), chain_id=10, safe_version=version, now=NOW)
    expected = safe_eth_py_hash(message, version, chain_id=10)
    assert review.hashes.safe_message == expected == eth_account_digest(safe_message_typed_data(message, version, 10))
    assert review.findings == [] or {f.code for f in review.findings} == {"OPAQUE_APPROVAL"}


@pytest.mark.parametrize("version", VERSIONS)
def test_text_message_is_signed_as_its_eip191_hash(version):
    review = review_message({"safe": SAFE, "chainId": 1, "safeVersion": version, "message": "Sign in to example.org"})
    assert review.inner.signed_bytes == bytes(defunct_hash_message(text="Sign in to example.org"))
    assert review.hashes.safe_message == safe_eth_py_hash(review.inner.signed_bytes, version)
    assert review.verdict == "ok" and review.inner.text == "Sign in to example.org"


def permit_2612(value: int, deadline: int) -> dict:  # EIP-2612
    return {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                       {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                      "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                                 {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                                 {"name": "deadline", "type": "uint256"}]},
            "primaryType": "Permit", "domain": {"name": "USD Coin", "version": "2", "chainId": 1, "verifyingContract": USDC},
            "message": {"owner": SAFE, "spender": SPENDER, "value": str(value), "nonce": 0, "deadline": deadline}}


PERMIT2_TYPES = {  # Uniswap/permit2 src/libraries/PermitHash.sol
    "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                     {"name": "verifyingContract", "type": "address"}],
    "PermitDetails": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint160"},
                      {"name": "expiration", "type": "uint48"}, {"name": "nonce", "type": "uint48"}],
    "PermitBatch": [{"name": "details", "type": "PermitDetails[]"}, {"name": "spender", "type": "address"},
                    {"name": "sigDeadline", "type": "uint256"}],
    "PermitSingle": [{"name": "details", "type": "PermitDetails"}, {"name": "spender", "type": "address"},
                     {"name": "sigDeadline", "type": "uint256"}],
}
PERMIT2_DOMAIN = {"name": "Permit2", "chainId": 1, "verifyingContract": PERMIT2}


def permit2_single(amount: int, expiration: int) -> dict:
    types = {k: PERMIT2_TYPES[k] for k in ("EIP712Domain", "PermitDetails", "PermitSingle")}
    return {"types": types, "primaryType": "PermitSingle", "domain": PERMIT2_DOMAIN,
            "message": {"details": {"token": USDC, "amount": str(amount), "expiration": expiration, "nonce": 0},
                        "spender": SPENDER, "sigDeadline": NOW + 600}}


def permit2_batch(*amounts: int) -> dict:
    types = {k: PERMIT2_TYPES[k] for k in ("EIP712Domain", "PermitDetails", "PermitBatch")}
    return {"types": types, "primaryType": "PermitBatch", "domain": PERMIT2_DOMAIN,
            "message": {"details": [{"token": USDC, "amount": str(a), "expiration": NOW + 3600, "nonce": i}
                                    for i, a in enumerate(amounts)], "spender": SPENDER, "sigDeadline": NOW + 600}}


def cow_order(receiver: str) -> dict:  # cowprotocol/contracts src/contracts/libraries/GPv2Order.sol
    fields = [("sellToken", "address"), ("buyToken", "address"), ("receiver", "address"), ("sellAmount", "uint256"),
              ("buyAmount", "uint256"), ("validTo", "uint32"), ("appData", "bytes32"), ("feeAmount", "uint256"),
              ("kind", "string"), ("partiallyFillable", "bool"), ("sellTokenBalance", "string"), ("buyTokenBalance", "string")]
    return {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                       {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                      "Order": [{"name": n, "type": t} for n, t in fields]},
            "primaryType": "Order", "domain": {"name": "Gnosis Protocol", "version": "v2", "chainId": 1,
                                               "verifyingContract": COW_SETTLEMENT},
            "message": {"sellToken": USDC, "buyToken": PERMIT2, "receiver": receiver, "sellAmount": "1000000",
                        "buyAmount": "1", "validTo": NOW + 600, "appData": "0x" + "00" * 32, "feeAmount": "0",
                        "kind": "sell", "partiallyFillable": False, "sellTokenBalance": "erc20", "buyTokenBalance": "erc20"}}


ZERO = "0x" + "00" * 20
INNER_CASES = [
    ("permit unlimited", permit_2612(2**256 - 1, NOW + 600), {("UNLIMITED_APPROVAL", "critical")}, "block"),
    # once submitted, a permit's allowance never expires: bounded, standing and to an unknown spender is
    # critical, the same rule as an on-chain approve (issue 18; the deadline only bounds the submission)
    ("permit bounded, short", permit_2612(5, NOW + 600), {("TOKEN_APPROVAL", "critical")}, "block"),
    ("permit bounded, long expiry", permit_2612(5, NOW + 400 * 86400), {("TOKEN_APPROVAL", "critical")}, "block"),
    ("Permit2 single unlimited", permit2_single(2**160 - 1, NOW + 3600), {("UNLIMITED_APPROVAL", "critical")}, "block"),
    ("Permit2 single never expires", permit2_single(10, 2**48 - 1), {("TOKEN_APPROVAL", "critical")}, "block"),
    ("Permit2 single bounded", permit2_single(10, NOW + 3600), {("TOKEN_APPROVAL", "warn")}, "warn"),
    ("Permit2 batch", permit2_batch(10, 2**160 - 1), {("TOKEN_APPROVAL", "warn"), ("UNLIMITED_APPROVAL", "critical")}, "block"),
    ("CoW order paid elsewhere", cow_order(SPENDER), {("ORDER_RECEIVER", "critical")}, "block"),
    ("CoW order paid to the owner", cow_order(ZERO), {("TOKEN_APPROVAL", "warn")}, "warn"),
    ("unknown typed data", {**permit_2612(1, NOW), "primaryType": "Mail", "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}], "Mail": [{"name": "contents", "type": "string"}]},
        "domain": {"name": "Ether Mail"}, "message": {"contents": "hi"}}, {("UNKNOWN_TYPED_DATA", "warn")}, "warn"),
]


@pytest.mark.parametrize(("document", "expected", "verdict"), [c[1:] for c in INNER_CASES], ids=[c[0] for c in INNER_CASES])
def test_inner_typed_data_is_hashed_like_eth_account_and_judged(document, expected, verdict):
    review = review_message({"safe": SAFE, "chainId": 1, "safeVersion": "1.4.1", "message": document}, now=NOW)
    assert review.inner.signed_bytes == eth_account_digest(document)
    assert review.hashes.safe_message == safe_eth_py_hash(eth_account_digest(document), "1.4.1")
    assert {(f.code, f.severity) for f in review.findings} == expected
    assert review.verdict == verdict


def test_bare_hash_is_a_warning():
    review = review_message({"safe": SAFE, "chainId": 1, "safeVersion": "1.3.0", "message": "0x" + keccak(b"?").hex()})
    assert [f.code for f in review.findings] == ["OPAQUE_APPROVAL"] and review.verdict == "warn"


def test_safe_message_with_original_that_differs_is_blocked():
    document = safe_message_typed_data(keccak(b"something else"), "1.4.1")
    document["originalMessage"] = "Sign in"
    review = review_message(document, safe_version="1.4.1")
    assert "CLAIMED_HASH_MISMATCH" in {f.code for f in review.findings} and review.verdict == "block"


def test_safe_message_with_original_text_is_shown():
    text = "Sign in"
    document = safe_message_typed_data(bytes(defunct_hash_message(text=text)), "1.4.1")
    document["originalMessage"] = text
    review = review_message(document, safe_version="1.4.1")
    assert review.inner.text == text and review.findings == [] and review.verdict == "ok"


def test_wrong_chain_and_claimed_hash_are_critical():
    review = review_message({"safe": SAFE, "chainId": 1, "safeVersion": "1.4.1", "message": "hi",
                             "messageHash": "0x" + "11" * 32}, chain_id=5)
    assert {f.code for f in review.findings} == {"DOMAIN_MISMATCH", "CLAIMED_HASH_MISMATCH"}


def test_safe_message_typed_data_with_foreign_types_is_critical():
    document = safe_message_typed_data(b"hi", "1.4.1")
    document["types"]["SafeMessage"] = [{"name": "message", "type": "string"}]
    document["message"]["message"] = "0x6869"
    review = review_message(document, safe_version="1.4.1")
    assert "DOMAIN_MISMATCH" in {f.code for f in review.findings}


@pytest.mark.parametrize(("document", "options", "error", "where"), [
    ({"safe": SAFE, "chainId": 1, "message": "hi"}, {}, ContextError, "safeVersion"),
    ({"safe": SAFE, "safeVersion": "1.3.0", "message": "hi"}, {}, ContextError, "chainId"),
    ({"safe": "0x1234", "chainId": 1, "safeVersion": "1.3.0", "message": "hi"}, {}, PayloadError, "safe"),
    ({"safe": SAFE, "chainId": 1, "safeVersion": "1.3.0", "message": 5}, {}, PayloadError, "message"),
    ({"safe": SAFE, "chainId": 1, "safeVersion": "1.4.1", "message": {**permit_2612(1, NOW), "message": {"owner": SAFE}}},
     {}, PayloadError, "message.message"),  # "member 'spender' of Permit is missing"
    ({"safe": SAFE, "chainId": 1, "safeVersion": "1.4.1", "message": permit2_single(2**160, NOW)}, {}, PayloadError,
     "message.message.details.amount"),
])
def test_bad_messages_name_what_and_where(document, options, error, where):
    with pytest.raises(error) as caught:
        review_message(document, **options)
    assert caught.value.where == where


@pytest.mark.parametrize("primary", ["PermitSingle", "PermitBatch", "PermitTransferFrom", "Order", "Permit"])
def test_protocol_names_with_foreign_types_are_payload_errors(primary):
    # The primary type's name is a protocol's, its members are not: a typed error, never a traceback.
    document = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}],
                          "Inner": [{"name": "x", "type": "uint8"}],
                          primary: [{"name": "details", "type": "Inner"}, {"name": "permitted", "type": "uint256"},
                                    {"name": "spender", "type": "address"}]},
                "primaryType": primary, "domain": {"name": "Gnosis Protocol"},
                "message": {"details": {"x": 1}, "permitted": 5, "spender": SPENDER}}
    with pytest.raises(PayloadError):
        review_message({"safe": SAFE, "chainId": 1, "safeVersion": "1.4.1", "message": document}, now=NOW)
