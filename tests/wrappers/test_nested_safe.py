"""Nested Safes: `coldsight verify --nested-safe ADDR --nested-nonce N` against the published example.

Expected hashes: pcaversaccio/safe-tx-hashes-util README, section "Nested Safes" (Sepolia, primary
Safe 0x657f…A0f1 nonce 4 sending 0.1 ETH; nested Safe 0x6bc5…9251 nonce 4 approving it)."""

from decoders.nested import approved_hashes
from tests.core.peers import calldata

PRIMARY = {"safe": "0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1", "chainId": 11155111, "safeVersion": "1.4.1",
           "to": "0x255C3912f91eF11bFDadd405F13144a823Da8cc5", "value": "100000000000000000", "data": None,
           "operation": 0, "safeTxGas": "0", "baseGas": "0", "gasPrice": "0",
           "gasToken": "0x0000000000000000000000000000000000000000",
           "refundReceiver": "0x0000000000000000000000000000000000000000", "nonce": 4}
NESTED = "0x6bc56d6CE87C86CB0756c616bECFD3Cd32b09251"
PRIMARY_HASHES = {"domain": "0x611379c19940caee095cdb12bebe6a9fa9abb74cdb1fbd7377c49a1f198dc24f",
                  "message": "0x565bba8b51924ffa64953596d0a2dd5c2cad39649f7de0bf2c8dbc903bd03258",
                  "safeTx": "0xcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1"}
APPROVAL_HASHES = {"domain": "0x55f6c329a7834e2a4e789f5526f328fa75d14fe75b97b0001be40caf46ca92a1",
                   "message": "0xcd411ee5d49344391ef8d37b76e19dfacf505bbb20e856ac907acb5958ecbdf0",
                   "safeTx": "0x86eb3f93f2670d119a4ecb8eeaa4dafe31a28abcafe06688d47e195a3dd7abb0"}
APPROVAL_DATA = "0xd4d9bdcdcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1"  # from the same README


def test_nested_approval_matches_safe_tx_hashes_util(run_cli, write_payload):
    result = run_cli(["verify", write_payload(PRIMARY), "--format", "json", "--nested-safe", NESTED, "--nested-nonce", "4"])
    document = result.json()
    assert document["hashes"] == PRIMARY_HASHES
    approval = document["nestedApproval"]
    assert approval["hashes"] == APPROVAL_HASHES
    assert approval["tx"]["data"] == APPROVAL_DATA and approval["tx"]["to"] == PRIMARY["safe"]
    assert (approval["safe"], approval["tx"]["nonce"]) == (NESTED, "4")
    # a plain 0.1 ETH transfer to an address no book names: the primary review's verdict is warn (issue 18)
    assert result.code == 1 and document["effects"]["counterparties"][0]["judgement"] == "unknown"


def test_nested_approval_text_shows_the_hashes(run_cli, write_payload):
    result = run_cli(["verify", write_payload(PRIMARY), "--nested-safe", NESTED, "--nested-nonce", "4"])
    assert "NESTED SAFE APPROVAL" in result.stdout and APPROVAL_HASHES["safeTx"] in result.stdout


def test_nested_safe_needs_its_nonce(run_cli, write_payload):
    result = run_cli(["verify", write_payload(PRIMARY), "--nested-safe", NESTED])
    assert result.code == 3 and "--nested-nonce" in result.stderr


def test_approved_hash_reader_is_strict():
    digest = bytes(range(32))
    assert approved_hashes(calldata("approveHash(bytes32)", ["bytes32"], [digest])) == digest
    assert approved_hashes(calldata("approveHash(bytes32)", ["bytes32"], [digest]) + b"\x00") is None


# ---- parent approveHash reviewed with the child transaction (--child) ------------------------

def _parent_and_child(child_data: str | None, approve: bytes | None = None):
    from tests.core.peers import OWNERS, peer_hashes, service_record

    child = service_record(safe=OWNERS[2], chainId=1, safeVersion="1.4.1", to=OWNERS[2], data=child_data, nonce=9)
    child_hash = bytes.fromhex(peer_hashes(child)["safeTx"][2:])  # safe-eth-py
    parent = service_record(safe=OWNERS[4], chainId=1, safeVersion="1.4.1", to=OWNERS[2],
                            data="0x" + calldata("approveHash(bytes32)", ["bytes32"], [approve or child_hash]).hex())
    return parent, child


def _codes(result) -> list:
    return sorted((f["code"], f["path"]) for f in result.json()["findings"])


def test_parent_alone_approves_something_unseen(run_cli, write_payload):
    parent, _ = _parent_and_child(None)
    result = run_cli(["verify", write_payload(parent), "--format", "json"])
    assert ("OPAQUE_APPROVAL", "0") in _codes(result) and result.code == 1


def test_parent_with_child_takes_the_childs_findings(run_cli, write_payload):
    enable_module = "0x" + calldata("enableModule(address)", ["address"], ["0x96221423681A6d52E184D440a8eFCEbB105C7242"]).hex()
    parent, child = _parent_and_child(enable_module)
    result = run_cli(["verify", write_payload(parent), "--child", write_payload(child), "--format", "json"])
    found = _codes(result)
    assert ("OPAQUE_APPROVAL", "0") not in found and ("MODULE_CHANGE", "0:0") in found and result.code == 2


def test_parent_with_a_harmless_child_is_ok(run_cli, write_payload):
    parent, child = _parent_and_child(None)
    result = run_cli(["verify", write_payload(parent), "--child", write_payload(child), "--format", "json"])
    assert "OPAQUE_APPROVAL" not in {code for code, _ in _codes(result)}


def test_parent_approving_another_hash_is_blocked(run_cli, write_payload):
    parent, child = _parent_and_child(None, approve=bytes(32))
    result = run_cli(["verify", write_payload(parent), "--child", write_payload(child), "--format", "json"])
    assert ("CLAIMED_HASH_MISMATCH", "0") in _codes(result) and result.code == 2
