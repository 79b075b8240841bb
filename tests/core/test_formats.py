"""Payload formats: Safe Transaction Service JSON and EIP-712 typed data, context overrides.

Every expected hash comes from safe-eth-py or eth-account (tests/core/peers.py)."""

import json

import pytest

from .peers import (KEYS, OWNERS, ZERO, eth_account_typed_hash, erc20_transfer, hex0x, peer_hashes,
                    peer_safe_tx_hash, service_record, sign_eip712, typed_data)

TOKEN = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # USDC on Ethereum (Circle's published address)


def verify_json(run_cli, path: str, *extra: str):
    result = run_cli(["verify", path, "--format", "json", *extra])
    assert "Traceback" not in result.stderr
    return result


def real_api_record() -> dict:
    """A record shaped like GET /api/v1/multisig-transactions/{hash}/, with its many extra keys."""
    record = service_record(
        to=TOKEN, data=hex0x(erc20_transfer(OWNERS[1], 1_000_000)), nonce=12, safeVersion="1.3.0", chainId=1,
    )
    record.update({
        "submissionDate": "2024-05-01T10:00:00.000000Z", "modified": "2024-05-01T10:05:00.000000Z",
        "blockNumber": None, "transactionHash": None, "executor": None, "isExecuted": False,
        "isSuccessful": None, "ethGasPrice": None, "maxFeePerGas": None, "maxPriorityFeePerGas": None,
        "gasUsed": None, "fee": None, "origin": "{\"url\": \"https://app.safe.global\", \"name\": \"Safe{Wallet}\"}",
        "confirmationsRequired": 2, "trusted": True, "proposer": OWNERS[0], "proposedByDelegate": None,
        "executionDate": None,
        "dataDecoded": {"method": "transfer", "parameters": [
            {"name": "to", "type": "address", "value": OWNERS[1]},
            {"name": "value", "type": "uint256", "value": "1000000"}]},
    })
    record["safeTxHash"] = peer_hashes(record)["safeTx"]
    digest = peer_safe_tx_hash(record)
    record["confirmations"] = [
        {"owner": OWNERS[i], "submissionDate": "2024-05-01T10:01:00Z", "transactionHash": None,
         "signature": hex0x(sign_eip712(KEYS[i], digest)), "signatureType": "EOA"}
        for i in (0, 1)
    ]
    record["signatures"] = None
    return record


def test_real_api_shape_is_accepted_and_checked(run_cli, write_payload):
    record = real_api_record()
    result = verify_json(run_cli, write_payload(record))
    report = result.json()
    assert report["hashes"] == peer_hashes(record)
    assert report["format"] == "safe-service-json"
    assert [s["valid"] for s in report["signatures"]] == [True, True]
    assert [s["recovered"] for s in report["signatures"]] == OWNERS[:2]
    # its recipient is in no address book: an unknown counterparty is never ok (issue 18)
    assert {f["code"] for f in report["findings"]} == {"COUNTERPARTY_UNKNOWN"}
    assert report["verdict"] == "warn" and result.code == 1


def test_extra_keys_are_never_trusted(run_cli, write_payload):
    # A lying `safeTxHash` among the extras must not replace our hash; it becomes a finding.
    record = real_api_record()
    record["safeTxHash"] = "0x" + "11" * 32
    report = verify_json(run_cli, write_payload(record)).json()
    assert report["hashes"] == peer_hashes(record)
    assert [f["code"] for f in report["findings"]] == ["CLAIMED_HASH_MISMATCH", "COUNTERPARTY_UNKNOWN"]


@pytest.mark.parametrize("version", ["0.1.0", "1.0.0", "1.1.1", "1.2.0", "1.3.0", "1.3.0+L2", "1.4.1", "1.4.1+L2", "1.5.0"])
def test_service_json_hashes_for_every_version(run_cli, write_payload, version):
    record = service_record(safeVersion=version, chainId=137, value="12345", nonce=7, safeTxGas=100, baseGas=5)
    assert verify_json(run_cli, write_payload(record)).json()["hashes"] == peer_hashes(record)


def test_service_json_with_datagas_key(run_cli, write_payload):
    record = service_record(safeVersion="0.1.0", chainId=1, nonce=3)
    del record["baseGas"]
    record["dataGas"] = "77"
    report = verify_json(run_cli, write_payload(record)).json()
    assert report["hashes"] == peer_hashes(dict(record, baseGas="77"))


# ---- typed data -------------------------------------------------------------------------------

NUMBER_STYLES = {
    "decimal strings": str,
    "ints": int,
}


@pytest.mark.parametrize("style", NUMBER_STYLES)
@pytest.mark.parametrize("data", [None, erc20_transfer(OWNERS[2], 5)])
def test_typed_data_numbers_and_data(run_cli, write_payload, style, data):
    convert = NUMBER_STYLES[style]
    record = service_record(to=TOKEN, data=hex0x(data) if data else None, value="9", nonce=42, safeTxGas="21000")
    document = typed_data(record)
    for key in ("value", "operation", "safeTxGas", "baseGas", "gasPrice", "nonce"):
        document["message"][key] = convert(document["message"][key])
    document["domain"]["chainId"] = convert(document["domain"]["chainId"])
    assert document["message"]["data"] == (hex0x(data) if data else "0x")
    report = verify_json(run_cli, write_payload(document), "--safe-version", "1.3.0").json()
    assert report["format"] == "eip712-typed-data"
    assert report["hashes"] == peer_hashes(record)
    assert report["hashes"]["safeTx"] == hex0x(eth_account_typed_hash(typed_data(record)))


# (with chainId, gas key) -> the Safe versions whose layout it is; one exact version of each
# family is given on the command line, the family alone fixes the hash.
FAMILIES = [
    (True, "baseGas", "1.4.1"),
    (False, "baseGas", "1.1.1"),
    (False, "dataGas", "0.1.0"),
]


@pytest.mark.parametrize("with_chain,gas_key,version", FAMILIES)
def test_typed_data_family_detection(run_cli, write_payload, with_chain, gas_key, version):
    record = service_record(nonce=5, baseGas="31", safeVersion=version)
    document = typed_data(record, with_chain=with_chain, gas_key=gas_key)
    expected = peer_hashes(record, version=version)
    assert expected["safeTx"] == hex0x(eth_account_typed_hash(document))
    # No --safe-version: the typed data's own layout says how to hash it.
    result = verify_json(run_cli, write_payload(document))
    assert result.json()["hashes"] == expected
    # >= 1.3.0: every version of the family has verified bytecode bundled, so the EVM check runs them all.
    # Older families include versions without it (0.1.0, 1.0.0): the check does not cover them, which
    # blocks (EXECUTION_UNCHECKED is never waivable), never silence.
    assert result.code == (0 if with_chain else 2), result.stderr
    assert _warning_codes(result) == ([] if with_chain else ["EXECUTION_UNCHECKED"])
    # A declared version of the same family is accepted; another family is refused.
    assert verify_json(run_cli, write_payload(document), "--safe-version", version).json()["hashes"] == expected
    other = {"1.4.1": "1.1.1", "1.1.1": "0.1.0", "0.1.0": "1.4.1"}[version]
    refused = verify_json(run_cli, write_payload(document), "--safe-version", other)
    assert refused.code == 3 and "safeVersion" in refused.stderr


def test_typed_data_wrapped_and_as_string(run_cli, write_payload):
    record = service_record(nonce=8)
    document = typed_data(record)
    expected = peer_hashes(record)
    for wrapped in ({"typedData": document}, {"typedData": json.dumps(document)}):
        result = verify_json(run_cli, write_payload(wrapped))
        assert result.code == 0, result.stderr
        assert result.json()["hashes"] == expected


def test_typed_data_domain_mismatch(run_cli, write_payload):
    record = service_record(nonce=8)
    document = typed_data(record)
    report = verify_json(run_cli, write_payload(document), "--chain-id", "10").json()
    assert report["verdict"] == "block"
    assert "DOMAIN_MISMATCH" in [f["code"] for f in report["findings"]]
    # The hash a signer compares is the one over the declared context (chain 10).
    assert report["hashes"] == peer_hashes(record, chain_id=10)
    report = verify_json(run_cli, write_payload(document), "--safe", OWNERS[0]).json()
    assert [f["code"] for f in report["findings"]] == ["DOMAIN_MISMATCH"]


# ---- context ----------------------------------------------------------------------------------

def test_context_overrides(run_cli, write_payload):
    record = service_record(nonce=1)
    path = write_payload(record)
    overrides = {"chain_id": 100, "safe": OWNERS[2], "version": "1.4.1"}
    result = verify_json(run_cli, path, "--chain-id", "100", "--safe", OWNERS[2], "--safe-version", "1.4.1")
    report = result.json()
    assert report["hashes"] == peer_hashes(record, **overrides)
    assert (report["chainId"], report["safe"], report["safeVersion"]) == ("100", OWNERS[2], "1.4.1")


@pytest.mark.parametrize("remove,needed", [("safeVersion", "--safe-version"), ("chainId", "--chain-id"), ("safe", "--safe")])
def test_missing_context_is_an_error(run_cli, write_payload, remove, needed):
    record = service_record(nonce=1)
    del record[remove]
    result = verify_json(run_cli, write_payload(record))
    assert result.code == 3
    assert needed in result.stderr
    assert result.json()["verdict"] == "block"  # the JSON error document never says ok


def test_chain_not_needed_before_1_3_0(run_cli, write_payload):
    record = service_record(safeVersion="1.2.0", nonce=1)
    del record["chainId"]
    result = verify_json(run_cli, write_payload(record))
    assert result.code == 0 and result.json()["hashes"] == peer_hashes(record, chain_id=1)
    assert result.json()["execution"]["versions"] == ["1.2.0"]


def _warning_codes(result) -> list[str]:
    return [f["code"] for f in result.json()["findings"] if f["severity"] != "info"]


def test_version_0_0_1_refused(run_cli, write_payload):
    for args, record in (([], service_record(safeVersion="0.0.1")), (["--safe-version", "0.0.1"], service_record())):
        result = verify_json(run_cli, write_payload(record), *args)
        assert result.code == 3 and "0.0.1" in result.stderr and "EIP-712" in result.stderr


@pytest.mark.parametrize("version,accepted", [("0.1.0", True), ("1.0.0", True), ("1.1.0", False), ("1.1.1", False), ("1.4.1", False)])
def test_operation_2_only_before_1_1_0(run_cli, write_payload, version, accepted):
    record = service_record(safeVersion=version, operation=2, to=ZERO, data="0x6080")
    result = verify_json(run_cli, write_payload(record))
    if accepted:
        assert result.code in (1, 2), result.stderr
        assert result.json()["hashes"] == peer_hashes(record)
        assert "CONTRACT_CREATION" in [f["code"] for f in result.json()["findings"]]
    else:
        assert result.code == 3 and "operation" in result.stderr
