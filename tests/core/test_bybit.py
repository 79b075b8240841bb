"""The Bybit attack (2025-02-21) and a "decoy" service record built around it.

Facts from the issue and public incident reports: Safe 0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4,
chain 1, Safe 1.1.1, nonce 71, delegatecall to 0x96221423681A6d52E184D440a8eFCEbB105C7242 with
transfer-shaped calldata, safeTxGas 45746."""

import json

from .peers import KEYS, OWNERS, eth_account_typed_hash, hex0x, peer_hashes, sign_eip712, typed_data

BYBIT_SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
ATTACKER_CONTRACT = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
ATTACK_DATA = ("0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be2969516"
               "0000000000000000000000000000000000000000000000000000000000000000")


def bybit_record(examples_dir) -> dict:
    record = json.loads((examples_dir / "bybit-attack.json").read_text())
    assert (record["safe"], record["to"], record["data"], record["operation"], record["nonce"], record["safeTxGas"]) == (
        BYBIT_SAFE, ATTACKER_CONTRACT, ATTACK_DATA, 1, 71, 45746)
    return record


def test_bybit_blocks_with_delegatecall_untrusted_first(run_cli, examples_dir):
    result = run_cli(["verify", str(examples_dir / "bybit-attack.json"), "--format", "json"])
    assert result.code == 2
    report = result.json()
    assert report["verdict"] == "block"
    first = report["findings"][0]
    assert (first["code"], first["severity"], first["path"]) == ("DELEGATECALL_UNTRUSTED", "critical", "0")
    assert "0x9622" in first["message"] and "7242" in first["message"]


def test_bybit_hashes_equal_two_independent_peers(run_cli, examples_dir):
    record = bybit_record(examples_dir)
    expected = peer_hashes(record)  # safe-eth-py
    report = run_cli(["verify", str(examples_dir / "bybit-attack.json"), "--format", "json"]).json()
    assert report["hashes"] == expected
    # Safe 1.1.1: no chainId in the domain; eth-account's generic encoder agrees.
    assert hex0x(eth_account_typed_hash(typed_data(record, with_chain=False))) == expected["safeTx"]


def test_bybit_text_output_says_do_not_sign(run_cli, examples_dir):
    result = run_cli(["verify", str(examples_dir / "bybit-attack.json")])
    assert result.code == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith("BLOCK") and "DO NOT SIGN" in lines[0]
    # Under the verdict, what executing the Safe's code proved; then what each call does, then the
    # reasons: both start with the delegatecall.
    # "matches" is never read as "the delegatecalled code was proven": the same line says it never ran
    assert lines[1] == ("Checked by executing the Safe's code (Safe 1.1.1): the call matches; what "
                        "0x96221423681A6d52E184D440a8eFCEbB105C7242 would do while running as this Safe was NOT run "
                        "(its code is not known offline)")
    assert lines[2].startswith("What it does") and "DELEGATECALL" in lines[3] and "full control" in lines[3]
    first_reason = next(line for line in lines if line.startswith("  [X] "))
    assert "[DELEGATECALL_UNTRUSTED]" in first_reason and "full control" in first_reason
    safe_tx = peer_hashes(bybit_record(examples_dir))["safeTx"]
    assert safe_tx in result.stdout


def decoy(examples_dir) -> tuple[dict, dict]:
    """The attack's real fields dressed as the service showed them: a benign-looking record."""
    attack = bybit_record(examples_dir)
    benign = dict(attack, to="0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", operation=0, data=None,
                  value=str(30_000 * 10**18), safeTxGas=0)  # "send 30,000 ETH to our own wallet"
    benign_hash = bytes.fromhex(peer_hashes(benign)["safeTx"][2:])
    record = dict(attack)
    record.update({
        "safeTxHash": peer_hashes(benign)["safeTx"],
        "confirmations": [{"owner": OWNERS[i], "signature": hex0x(sign_eip712(KEYS[i], benign_hash)),
                           "signatureType": "EOA", "submissionDate": "2025-02-21T14:13:35Z"} for i in (0, 1, 2)],
        "dataDecoded": {"method": "transfer", "parameters": [
            {"name": "to", "type": "address", "value": "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"},
            {"name": "value", "type": "uint256", "value": str(30_000 * 10**18)}]},
        "proposer": OWNERS[0], "isExecuted": False, "origin": "{}",
    })
    return record, benign


def test_bybit_decoy_signatures_and_claims_are_exposed(run_cli, write_payload, examples_dir):
    record, _ = decoy(examples_dir)
    result = run_cli(["verify", write_payload(record), "--format", "json"])
    assert result.code == 2
    report = result.json()
    assert report["hashes"] == peer_hashes(record)
    codes = [f["code"] for f in report["findings"]]
    assert codes.count("SIGNATURE_MISMATCH") == 3
    assert "CLAIMED_HASH_MISMATCH" in codes and "DECODED_MISMATCH" in codes and "DELEGATECALL_UNTRUSTED" in codes
    assert {f["severity"] for f in report["findings"]} == {"critical"}
    assert [s["valid"] for s in report["signatures"]] == [False, False, False]
    assert all(s["recovered"] != s["owner"] for s in report["signatures"])


def test_decoy_signatures_alone_expose_it(write_payload, run_cli, examples_dir):
    # Without the claimed hash and decoding, the signatures still give the decoy away.
    record, _ = decoy(examples_dir)
    for key in ("safeTxHash", "dataDecoded"):
        del record[key]
    record["operation"] = 0  # even if the delegatecall were hidden some other way
    report = run_cli(["verify", write_payload(record), "--format", "json"]).json()
    # (the decoy's recipient is in no address book: named as an unknown counterparty, issue 18)
    assert [f["code"] for f in report["findings"]] == ["SIGNATURE_MISMATCH"] * 3 + ["COUNTERPARTY_UNKNOWN"]
    assert report["verdict"] == "block"


def test_decoy_honest_control(write_payload, run_cli, examples_dir):
    # The benign transaction with its own signatures verifies: the decoy test can tell the difference.
    record, benign = decoy(examples_dir)
    honest = dict(benign, confirmations=record["confirmations"], safeTxHash=record["safeTxHash"])
    result = run_cli(["verify", write_payload(honest), "--format", "json"])
    report = result.json()
    assert [s["valid"] for s in report["signatures"]] == [True, True, True]
    assert {f["code"] for f in report["findings"]} == {"NATIVE_TRANSFER", "SELF_CALL"}
    assert result.code == 0
