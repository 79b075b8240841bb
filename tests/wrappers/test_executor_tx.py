"""The executor's transaction (eth-sign-request data types 1 and 4): the Safe transaction inside it.

Transactions are encoded with pyrlp (the `rlp` package) from the layouts in EIP-155, EIP-2930 and
EIP-1559; the execTransaction call data with eth-abi; the expected safeTxHash comes from safe-eth-py
and the signatures from eth-account. Coldsight's strict RLP reader and its execTransaction decoding
must give back exactly the SafeTx that was put in."""

import pytest
import rlp

from decoders.errors import PayloadError
from decoders.formats.executor_tx import decode_transaction, payload_from_executor_tx, rlp_decode
from decoders.verify import VerifyOptions, verify_payload
from tests.core.peers import KEYS, OWNERS, ZERO, calldata, peer_hashes, service_record, sign_eip712

SAFE = OWNERS[4]
EXEC = "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)"
RECORD = service_record(safe=SAFE, chainId=1, safeVersion="1.4.1", to=OWNERS[1], value="5", data="0xdeadbeef", nonce=7)


def exec_calldata(signatures: bytes) -> bytes:
    return calldata(EXEC, ["address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address", "bytes"],
                    [RECORD["to"], 5, bytes.fromhex("deadbeef"), 0, 0, 0, 0, ZERO, ZERO, signatures])


def signed_calldata() -> bytes:
    safe_tx_hash = bytes.fromhex(peer_hashes(RECORD)["safeTx"][2:])
    return exec_calldata(sign_eip712(KEYS[0], safe_tx_hash))


def to_bytes(address: str) -> bytes:
    return bytes.fromhex(address[2:])


def legacy(data: bytes, chain_id: int | None = 1) -> bytes:  # EIP-155 signing payload
    fields = [3, 10**9, 200_000, to_bytes(SAFE), 0, data]
    return rlp.encode(fields + ([chain_id, 0, 0] if chain_id is not None else []))


def eip1559(data: bytes, chain_id: int = 1) -> bytes:
    return b"\x02" + rlp.encode([chain_id, 3, 10**9, 2 * 10**9, 200_000, to_bytes(SAFE), 0, data, []])


def eip2930(data: bytes, chain_id: int = 1) -> bytes:
    return b"\x01" + rlp.encode([chain_id, 3, 10**9, 200_000, to_bytes(SAFE), 0, data, []])


def review(raw: bytes, typed: bool, nonce: int = 7, request_chain: int | None = 1):
    tx = decode_transaction(raw, typed, "test")
    payload = payload_from_executor_tx(tx, nonce, request_chain, "test")
    return tx, verify_payload(payload, VerifyOptions(safe_version="1.4.1", execute=False))


@pytest.mark.parametrize(("raw", "typed", "kind"), [(legacy(signed_calldata()), False, "legacy"),
                                                     (eip1559(signed_calldata()), True, "eip1559"),
                                                     (eip2930(signed_calldata()), True, "eip2930")])
def test_executor_tx_yields_the_safe_tx_and_checks_its_signatures(raw, typed, kind):
    tx, report = review(raw, typed)
    assert (tx.kind, tx.chain_id, tx.nonce, tx.to, tx.gas_limit) == (kind, 1, 3, SAFE, 200_000)
    assert report.hashes.as_json()["safeTx"] == peer_hashes(RECORD)["safeTx"]
    # packed signatures name no owner: the recovered signer is shown, whether it owns the Safe is on chain
    assert [s.recovered for s in report.signatures] == [OWNERS[0]]
    assert (report.context.safe, report.context.chain_id) == (SAFE, 1)


def test_wrong_nonce_recovers_someone_else():
    _, report = review(eip1559(signed_calldata()), True, nonce=8)
    assert report.signatures[0].recovered != OWNERS[0]


def test_legacy_without_chain_id_takes_the_requests():
    tx, report = review(legacy(signed_calldata(), chain_id=None), False, request_chain=1)
    assert tx.chain_id is None and report.context.chain_id == 1


@pytest.mark.parametrize(("raw", "typed", "words"), [
    (eip1559(signed_calldata(), chain_id=5), True, "chain id"),
    (eip1559(calldata("transfer(address,uint256)", ["address", "uint256"], [SAFE, 1])), True, "execTransaction"),
    (eip1559(signed_calldata() + b"\x00"), True, "strictly"),
])
def test_not_a_clean_safe_execution_is_refused(raw, typed, words):
    tx = decode_transaction(raw, typed, "test")
    with pytest.raises(PayloadError) as caught:
        payload_from_executor_tx(tx, 7, 1, "test")
    assert words in caught.value.message


@pytest.mark.parametrize(("raw", "words"), [
    (bytes.fromhex("8100"), "not canonical"),  # a single byte < 0x80 wrapped as a string
    (bytes.fromhex("b800"), "not canonical"),  # long form for an empty string
    (bytes.fromhex("c180") + b"\x00", "after the RLP item"),
    (bytes.fromhex("c48200"), "past the end"),
])
def test_strict_rlp(raw, words):
    with pytest.raises(PayloadError) as caught:
        rlp_decode(raw, "test")
    assert words in caught.value.message


def test_integer_with_leading_zero_is_refused():
    raw = rlp.encode([b"\x00\x03", 10**9, 200_000, to_bytes(SAFE), 0, b""])
    with pytest.raises(PayloadError, match="leading zero"):
        decode_transaction(raw, False, "test")


def test_rlp_reader_agrees_with_pyrlp():
    raw = eip1559(signed_calldata())[1:]
    assert rlp_decode(raw, "test") == rlp.decode(raw)


def executor_request_text(sign_data: bytes, data_type: int, chain_id: int | None = 1) -> str:
    # Transport only (the expected hashes come from safe-eth-py): Coldsight's EIP-4527 encoder.
    from decoders.ur.eip4527 import EthDataType, EthSignRequest, KeyPath
    from decoders.ur.ur import encode_single

    request = EthSignRequest(sign_data, EthDataType(data_type), KeyPath.parse("m/44'/60'/0'/0/0"), chain_id=chain_id)
    return encode_single(request.to_ur())


def test_cli_reviews_the_executor_request(run_cli, write_payload):
    text = executor_request_text(eip1559(signed_calldata()), 4)
    result = run_cli(["verify", write_payload(text, "executor.txt"), "--executor-nonce", "7", "--safe-version", "1.4.1",
                      "--format", "json"])
    document = result.json()
    assert document["hashes"]["safeTx"] == peer_hashes(RECORD)["safeTx"] and document["safe"] == SAFE
    assert document["signatures"][0]["recovered"] == OWNERS[0]
    assert any("execTransaction call data keccak256" in note for note in document["notes"])


def test_cli_refuses_a_safe_that_is_not_the_target(run_cli, write_payload):
    text = executor_request_text(legacy(signed_calldata()), 1)
    result = run_cli(["verify", write_payload(text, "executor.txt"), "--executor-nonce", "7", "--safe-version", "1.4.1",
                      "--safe", OWNERS[3]])
    assert result.code == 3 and "not --safe" in result.stderr
