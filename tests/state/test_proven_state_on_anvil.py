"""Proven state on a real chain (issue 20): courier snapshot -> offline run -> anvil really executes.

anvil (npm @foundry-rs/anvil) with Safe 1.4.1 (2 of 3 owners) from the bundled canonical
bytecode, an OpenZeppelin ERC-20, a fee-on-transfer token and Uniswap v2 from their published npm
artifacts (tests/state/anvil_chain.py). For each scenario: `coldsight-courier snapshot` at the
latest block, `coldsight verify --state` offline (its own process), then the transaction is signed
by two owners and executed on anvil, and the effects the offline run predicted must equal what
anvil then reports over RPC: balances, allowances, owners, threshold and nonce.

Every network step runs in a child process (this test process may carry the offline guard).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from eth_abi import encode

from decoders.evm.bytecode import libraries
from decoders.hexutil import keccak
from tests.courier.test_loop_on_anvil import ANVIL, _started

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.node,
    pytest.mark.slow,
    pytest.mark.skipif(not ANVIL.exists(), reason="node test peers not installed (bash tests/node/setup.sh)"),
]
CHAIN_ID = 31337
ZERO = "0x" + "00" * 20
RECIPIENT = "0x000000000000000000000000000000000000bEEF"
GUARD = "0x00000000000000000000000000000000000bad00"
E18 = 10**18


def _python(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _json_child(*args: str) -> dict:
    done = _python("-m", "tests.state.anvil_chain", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def anvil():
    process, line = _started([str(ANVIL), "--port", "0", "--chain-id", str(CHAIN_ID)], "Listening on")
    yield "http://" + line.split("Listening on", 1)[1].strip()
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def chain(anvil):
    """The deployed scenario and the Safe's nonce (each xdist worker has its own anvil and chain; the
    tests a worker runs keep their file order)."""
    return {**_json_child("setup", anvil), "nonce": 0}


def _selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


def _payload(chain: dict, to: str, data: bytes, nonce: int, operation: int = 0) -> dict:
    return {"safe": chain["safe"], "to": to, "value": "0", "data": "0x" + data.hex(), "operation": operation,
            "safeTxGas": "0", "baseGas": "0", "gasPrice": "0", "gasToken": ZERO, "refundReceiver": ZERO,
            "nonce": nonce, "chainId": CHAIN_ID, "safeVersion": "1.4.1"}


def _transfer(chain: dict, token: str, amount: int, nonce: int) -> dict:
    return _payload(chain, token, _selector("transfer(address,uint256)") + encode(["address", "uint256"],
                                                                                   [RECIPIENT, amount]), nonce)


def _nonce(anvil: str, chain: dict, tmp_path: Path) -> int:
    return chain["nonce"]


def _snapshot(rpcs: list[str], payload: dict, tmp_path: Path,
              source: list[str] | None = None) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """`coldsight-courier snapshot` of `payload` (or of what `source` names: --service/--safe-tx-hash)."""
    payload_path, state_path = tmp_path / "payload.json", tmp_path / "state.bin"
    payload_path.write_text(json.dumps(payload))
    args = ["-m", "courier", "snapshot", *(source or ["--payload", str(payload_path)]), "--block", "latest",
            "--out", str(state_path), "--qr", str(tmp_path / "state.txt")]
    for rpc in rpcs:
        args += ["--rpc", rpc]
    return payload_path, state_path, _python(*args)


def _offline(payload_path: Path, state_path: Path) -> tuple[int, dict]:
    done = _python("-m", "app.cli", "verify", str(payload_path), "--state", str(state_path), "--format", "json")
    assert done.returncode in (0, 1, 2), done.stderr
    return done.returncode, json.loads(done.stdout)


def _predicted_then_executed(anvil: str, chain: dict, payload: dict, tmp_path: Path,
                             source: list[str] | None = None, from_qr: bool = False) -> tuple[dict, dict, dict]:
    """The offline run's effects, the executed receipt, and anvil's state read back for every
    balance, allowance and Safe setting the offline run named."""
    payload_path, state_path, done = _snapshot([anvil, anvil], payload, tmp_path, source)
    assert done.returncode == 0, done.stderr
    assert "2 of 2 endpoint(s) agreed" in done.stdout
    _, document = _offline(payload_path, tmp_path / "state.txt" if from_qr else state_path)
    assert document["state"]["complete"] is True, document["state"]
    # what execution shows is what the static effects model read from the calldata
    assert [f for f in document["findings"] if f["code"] == "EFFECT_MISMATCH"] == []
    run = document["effects"]["proven"]
    executed = _json_child("exec", anvil, str(payload_path))
    chain["nonce"] += 1 if executed["success"] else 0
    query = {"safe": chain["safe"],
             "native": [c["holder"] for c in run["balanceChanges"] if c["asset"] == "native"],
             "tokens": [[c["asset"], c["holder"]] for c in run["balanceChanges"] if c["asset"] != "native"],
             "allowances": [[e["contract"], e["owner"], e["spender"]] for e in run["events"] if e["kind"] == "approval"],
             "items": [[t["token"], t["tokenId"]] for t in run["transfers"] if "tokenId" in t],
             "operators": [[e["contract"], e["owner"], e["operator"]] for e in run["events"] if e["kind"] == "approval-for-all"]}
    query_path = tmp_path / "query.json"
    query_path.write_text(json.dumps(query))
    return run, executed, _json_child("read", anvil, str(query_path))


def _assert_same(run: dict, actual: dict) -> None:
    for change in run["balanceChanges"]:
        key = change["holder"] if change["asset"] == "native" else f"{change['asset']}/{change['holder']}"
        side = actual["native"] if change["asset"] == "native" else actual["tokens"]
        assert side[key] == change["after"], (key, change)
    for event in run["events"]:
        if event["kind"] == "approval":  # the last Approval per pair is what remains
            last = [e for e in run["events"] if e["kind"] == "approval" and (e["contract"], e["owner"], e["spender"])
                    == (event["contract"], event["owner"], event["spender"])][-1]
            assert actual["allowances"][f"{event['contract']}/{event['owner']}/{event['spender']}"] == last["amount"]
    for transfer in run["transfers"]:
        if "tokenId" in transfer:
            assert actual["owners_of"][f"{transfer['token']}/{transfer['tokenId']}"] == transfer["to"]
    for event in run["events"]:
        if event["kind"] == "approval-for-all":
            assert actual["operators"][f"{event['contract']}/{event['owner']}/{event['operator']}"] == (event["approved"] == "true")
    assert actual["owners"] == run["safeAfter"]["owners"]
    assert actual["threshold"] == run["safeAfter"]["threshold"]
    assert actual["nonce"] == run["safeAfter"]["nonce"]


def test_erc20_transfer_offline_equals_anvil(anvil, chain, tmp_path):
    payload = _transfer(chain, chain["token"], 250 * E18, _nonce(anvil, chain, tmp_path))
    run, executed, actual = _predicted_then_executed(anvil, chain, payload, tmp_path, from_qr=True)  # the ur:bytes parts
    assert run["success"] and executed["success"]
    changes = {(c["holder"], c["asset"]): int(c["change"]) for c in run["balanceChanges"]}
    assert changes == {(chain["safe"], chain["token"]): -250 * E18, (RECIPIENT, chain["token"]): 250 * E18}
    _assert_same(run, actual)


def test_fee_on_transfer_token_shows_what_arrives(anvil, chain, tmp_path):
    """The courier takes this one from a Safe Transaction Service stand-in (--service --safe-tx-hash)."""
    from tests.courier.test_loop_on_anvil import _service_tx

    payload = _transfer(chain, chain["feeToken"], 100 * E18, _nonce(anvil, chain, tmp_path))
    pending = _service_tx(chain["safe"], payload["nonce"], chain["feeToken"], 0, bytes.fromhex(payload["data"][2:]), 0)
    info = {"address": chain["safe"], "nonce": payload["nonce"], "threshold": 2, "owners": chain["owners"],
            "masterCopy": ZERO, "modules": [], "fallbackHandler": ZERO, "guard": ZERO, "version": "1.4.1"}
    (tmp_path / "service.json").write_text(json.dumps({"safeInfo": info, "transactions": [pending]}))
    service, line = _started([sys.executable, "-m", "tests.courier.service_standin", str(tmp_path / "service.json")],
                             "listening")
    try:
        source = ["--service", f"http://127.0.0.1:{line.split()[1]}", "--safe-tx-hash", pending["safeTxHash"]]
        run, executed, actual = _predicted_then_executed(anvil, chain, payload, tmp_path, source)
    finally:
        service.terminate()
        service.wait(10)
    assert run["success"] and executed["success"]
    changes = {(c["holder"], c["asset"]): int(c["change"]) for c in run["balanceChanges"]}
    assert changes == {(chain["safe"], chain["feeToken"]): -100 * E18, (RECIPIENT, chain["feeToken"]): 99 * E18}
    _assert_same(run, actual)


def test_uniswap_v2_swap_batch_offline_equals_anvil(anvil, chain, tmp_path):
    amount = 100 * E18
    calls = [(chain["token"], _selector("approve(address,uint256)") + encode(["address", "uint256"], [chain["router"], amount])),
             (chain["router"], _selector("swapExactTokensForETH(uint256,uint256,address[],address,uint256)") + encode(
                 ["uint256", "uint256", "address[]", "address", "uint256"],
                 [amount, 0, [chain["token"], chain["weth"]], chain["safe"], 2**40]))]
    packed = b"".join(bytes([0]) + bytes.fromhex(to[2:]) + (0).to_bytes(32, "big") + len(d).to_bytes(32, "big") + d
                      for to, d in calls)
    library = next(c for c in libraries() if c.name == "MultiSendCallOnly" and c.version == "1.4.1")
    payload = _payload(chain, library.preferred_address(CHAIN_ID), _selector("multiSend(bytes)") + encode(["bytes"], [packed]),
                       _nonce(anvil, chain, tmp_path), operation=1)
    run, executed, actual = _predicted_then_executed(anvil, chain, payload, tmp_path)
    assert run["success"] and executed["success"]
    changes = {(c["holder"], c["asset"]): int(c["change"]) for c in run["balanceChanges"]}
    assert changes[(chain["safe"], chain["token"])] == -amount
    assert changes[(chain["pair"], chain["token"])] == amount
    assert changes[(chain["safe"], "native")] > 0 == changes[(chain["pair"], chain["weth"])] + changes[(chain["safe"], "native")]
    _assert_same(run, actual)


def test_erc721_transfer_and_operator_approval_offline_equal_anvil(anvil, chain, tmp_path):
    operator = "0x0000000000000000000000000000000000000aBc"
    calls = [(chain["nft"], _selector("safeTransferFrom(address,address,uint256)") + encode(
                 ["address", "address", "uint256"], [chain["safe"], RECIPIENT, 0])),
             (chain["nft"], _selector("setApprovalForAll(address,bool)") + encode(["address", "bool"], [operator, True]))]
    packed = b"".join(bytes([0]) + bytes.fromhex(to[2:]) + (0).to_bytes(32, "big") + len(d).to_bytes(32, "big") + d
                      for to, d in calls)
    library = next(c for c in libraries() if c.name == "MultiSendCallOnly" and c.version == "1.4.1")
    payload = _payload(chain, library.preferred_address(CHAIN_ID), _selector("multiSend(bytes)") + encode(["bytes"], [packed]),
                       _nonce(anvil, chain, tmp_path), operation=1)
    run, executed, actual = _predicted_then_executed(anvil, chain, payload, tmp_path)
    assert run["success"] and executed["success"]
    assert [t for t in run["transfers"] if "tokenId" in t] == [
        {"token": chain["nft"], "from": chain["safe"], "to": RECIPIENT, "tokenId": "0"}]
    assert [(e["owner"], e["operator"], e["approved"]) for e in run["events"] if e["kind"] == "approval-for-all"] == [
        (chain["safe"], operator, "true")]
    _assert_same(run, actual)


def test_a_rejecting_guard_is_said_first_and_anvil_agrees(anvil, chain, tmp_path):
    _json_child("guard", anvil, chain["safe"], GUARD)
    try:
        payload = _transfer(chain, chain["token"], E18, _nonce(anvil, chain, tmp_path))
        payload_path, state_path, done = _snapshot([anvil], payload, tmp_path)
        assert done.returncode == 0, done.stderr
        code, document = _offline(payload_path, state_path)
        run = document["effects"]["proven"]
        assert code == 1 and not run["success"] and "blocked by guard" in run["reason"]
        assert "rejects" in run["guard"]
        assert "STATE_TX_FAILS" in [f["code"] for f in document["findings"]]
        from tests.conftest import run_cli

        text = run_cli(["verify", str(payload_path), "--state", str(state_path)]).stdout  # offline, in-process
        assert text.splitlines()[1].startswith("  The Safe transaction FAILS: the Safe's guard rejects")
        assert _json_child("exec", anvil, str(payload_path))["status"] == 0  # anvil: execTransaction reverts
    finally:
        _json_child("guard", anvil, chain["safe"], ZERO)


def test_endpoints_that_disagree_are_refused(anvil, chain, tmp_path):
    other, line = _started([str(ANVIL), "--port", "0", "--chain-id", str(CHAIN_ID)], "Listening on")
    try:
        other_rpc = "http://" + line.split("Listening on", 1)[1].strip()
        _json_child("mine", other_rpc, "100")  # the same chain id, another history: another header at that height
        payload = _transfer(chain, chain["token"], E18, _nonce(anvil, chain, tmp_path))
        _, state_path, done = _snapshot([anvil, other_rpc], payload, tmp_path)
        assert done.returncode == 3 and "the endpoints disagree" in done.stderr
        assert not state_path.exists()
    finally:
        other.terminate()
        other.wait(10)


def test_a_snapshot_of_another_block_is_refused(anvil, chain, tmp_path):
    """A real later block's header and hash put on an earlier snapshot: its proofs do not lead to
    that block's state root. (Self-contained: xdist may run it on its own chain.)"""
    import dataclasses

    from decoders.state import read_snapshot, verify_snapshot
    from decoders.state.check import bundled_codes
    from decoders.state.proof import SnapshotRefused

    payload = _transfer(chain, chain["token"], E18, _nonce(anvil, chain, tmp_path))
    paths = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        _, state_path, done = _snapshot([anvil], payload, folder)
        assert done.returncode == 0, done.stderr
        paths.append(state_path)
        _json_child("mine", anvil, "1")  # the chain moves on: the next snapshot is of another block
    old, new = (read_snapshot(path.read_bytes()) for path in paths)
    assert new.block_hash != old.block_hash
    mixed = dataclasses.replace(old, header=new.header, block_hash=new.block_hash)
    with pytest.raises(SnapshotRefused, match="does not lead from the state root"):
        verify_snapshot(read_snapshot(mixed.encode()), bundled_codes())
