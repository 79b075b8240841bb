"""The `coldsight.report/1` JSON contract scripts depend on, and the exit statuses."""

import re

import pytest

from .peers import KEYS, OWNERS, erc20_transfer, hex0x, multisend, packed_entry, peer_safe_tx_hash, service_record, sign_eip712

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
HASH = re.compile(r"^0x[0-9a-f]{64}$")
DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")
HEX = re.compile(r"^0x([0-9a-f]{2})*$")
MSCO_141 = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # safe-deployments v1.4.1 MultiSendCallOnly
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def rich_record() -> dict:
    blob = packed_entry(0, USDC, 0, erc20_transfer(OWNERS[0], 5)) + packed_entry(0, OWNERS[1], 10**18, b"")
    record = service_record(to=MSCO_141, operation=1, data=hex0x(multisend(blob)), safeVersion="1.4.1", nonce=3,
                            value="0", safeTxGas="100", gasPrice="7", gasToken=USDC)
    record["confirmations"] = [{"owner": OWNERS[0], "signature": hex0x(sign_eip712(KEYS[0], peer_safe_tx_hash(record)))}]
    return record


def check_call(call: dict) -> None:
    assert set(call) >= {"path", "to", "value", "operation", "selector", "function", "args", "data", "calls"}
    assert re.match(r"^0(\.[0-9]+)*$", call["path"])
    assert ADDRESS.match(call["to"]) and DECIMAL.match(call["value"]) and HEX.match(call["data"])
    assert call["operation"] in (0, 1, 2)
    assert call["selector"] is None or re.match(r"^0x[0-9a-f]{8}$", call["selector"])
    assert call["function"] is None or isinstance(call["function"], str)
    if call["args"] is not None:
        for arg in call["args"]:
            assert set(arg) == {"name", "type", "value"}
            assert not isinstance(arg["value"], int) or isinstance(arg["value"], bool)  # numbers are strings
    assert isinstance(call["calls"], list)
    for child in call["calls"]:
        assert child["path"].startswith(call["path"] + ".")
        check_call(child)


def test_report_schema(run_cli, write_payload):
    record = rich_record()
    result = run_cli(["verify", write_payload(record), "--format", "json"])
    report = result.json()
    assert set(report) >= {"schema", "verdict", "safe", "chainId", "safeVersion", "hashes", "tx", "calls", "findings", "signatures"}
    assert report["schema"] == "coldsight.report/1"
    assert report["verdict"] in ("ok", "warn", "block")
    assert ADDRESS.match(report["safe"]) and report["safe"] == record["safe"]
    assert report["chainId"] == "1" and report["safeVersion"] == "1.4.1"
    assert set(report["hashes"]) == {"domain", "message", "safeTx"}
    assert all(HASH.match(value) for value in report["hashes"].values())
    tx = report["tx"]
    assert set(tx) == {"to", "value", "data", "operation", "safeTxGas", "baseGas", "gasPrice", "gasToken", "refundReceiver", "nonce"}
    for key in ("value", "safeTxGas", "baseGas", "gasPrice", "nonce"):
        assert isinstance(tx[key], str) and DECIMAL.match(tx[key]), key
    assert (tx["safeTxGas"], tx["gasPrice"], tx["nonce"]) == ("100", "7", "3")
    assert tx["data"] == record["data"] and tx["to"] == MSCO_141 and tx["gasToken"] == USDC
    check_call(report["calls"])
    assert [c["path"] for c in report["calls"]["calls"]] == ["0.0", "0.1"]
    assert report["calls"]["calls"][0]["args"][1] == {"name": "value", "type": "uint256", "value": "5"}
    assert report["findings"], "gasPrice > 0 must give GAS_REFUND"
    for finding in report["findings"]:
        assert set(finding) >= {"code", "severity", "path", "message"}
        assert re.match(r"^[A-Z_]+$", finding["code"]) and finding["severity"] in ("info", "warn", "critical")
        assert finding["path"] is None or isinstance(finding["path"], str)
        assert isinstance(finding["message"], str) and finding["message"]
    [signature] = report["signatures"]
    assert set(signature) >= {"owner", "kind", "recovered", "valid"}
    assert signature == {**signature, "owner": OWNERS[0], "kind": "eip712", "recovered": OWNERS[0], "valid": True}


def test_huge_numbers_stay_exact_strings(run_cli, write_payload):
    big = str((1 << 256) - 1)
    report = run_cli(["verify", write_payload(service_record(value=big, nonce=big, safeTxGas=big)), "--format", "json"]).json()
    assert report["tx"]["value"] == big and report["tx"]["nonce"] == big and report["calls"]["value"] == big


@pytest.mark.parametrize("fields,code", [
    (dict(to=USDC, data=hex0x(erc20_transfer(OWNERS[4], 1))), 0),  # to the Safe itself (service_record's safe): no counterparty
    (dict(to=USDC, data=hex0x(erc20_transfer(OWNERS[0], 1))), 1),  # to an address no book names (issue 18)
    (dict(to=OWNERS[0], data="0xdeadbeef"), 1),
    (dict(to=OWNERS[0], operation=1), 2),
    (dict(to=OWNERS[0], operation=7), 3),
])
@pytest.mark.parametrize("output", ["text", "json"])
def test_exit_codes(run_cli, write_payload, fields, code, output):
    result = run_cli(["verify", write_payload(service_record(**fields)), "--format", output])
    assert result.code == code, result.stderr
    if code != 3:
        verdict = {0: "ok", 1: "warn", 2: "block"}[code]
        if output == "json":
            assert result.json()["verdict"] == verdict
        else:
            assert result.stdout.split(":")[0] == verdict.upper()


def test_exit_64_for_usage(run_cli):
    assert run_cli(["verify", "x.json", "--bogus"]).code == 64
    assert run_cli([]).code == 64


def test_stdin_payload(run_cli):
    import json

    result = run_cli(["verify", "-", "--format", "json"], stdin=json.dumps(service_record(to=OWNERS[0], value="1")).encode())
    assert result.code == 1 and result.json()["verdict"] == "warn"  # 1 wei to an unknown address (issue 18)


def test_text_output_order(run_cli, write_payload):
    # Verdict, then critical reasons before warnings, then hashes, then calls, then all fields.
    record = service_record(to=OWNERS[0], operation=1, data="0xdeadbeef", gasPrice="1")
    text = run_cli(["verify", write_payload(record)]).stdout
    marks = [text.index(part) for part in ("BLOCK", "[X]", "[!]", "Domain hash", "Message hash", "safeTxHash", "Calls:", "All SafeTx fields:")]
    assert marks == sorted(marks)
    from .peers import peer_hashes

    hashes = peer_hashes(record)
    for name in ("domain", "message", "safeTx"):
        assert hashes[name] in text
    # Hardware-wallet grouping of the domain hash: 0xABCD EF01 ...
    body = hashes["domain"][2:].upper()
    assert "0x" + " ".join(body[i:i + 4] for i in range(0, 64, 4)) in text
