"""`coldsight-courier propose`, `pending` and `exec` on a real chain (issue 22): anvil with Safe 1.4.1
(2 of 3 owners, 10 ETH, 1,000 TST of the test token), the service stand-in taking proposals.

Expected values are independent of the courier: the safeTxHash from safe-eth-py
(tests/signing/peers.py), the stand-in recomputes the posted hash with eth-account's EIP-712 encoder
and recovers the proposer's signature itself, confirmations are signed here with eth-account,
calldata is written out by hand from the ERC-20 ABI, and every outcome is read back from anvil.
The tests share one chain and run in order: each one uses the Safe's next nonce.

Every network step runs in a child process (this test process may carry the offline guard).
"""

import json
import subprocess
import sys

import pytest
from eth_account import Account

from tests.courier.test_loop_on_anvil import ANVIL, CHAIN_ID, KEYS, ONE_ETH, OWNERS, ROOT, ZERO, _started
from tests.signing.peers import peer_safe_tx_hash

pytestmark = [
    pytest.mark.node,
    pytest.mark.slow,
    pytest.mark.skipif(not ANVIL.exists(), reason="node test peers not installed (bash tests/node/setup.sh)"),
]
RECIPIENT = "0x000000000000000000000000000000000000bEEF"
SECOND = "0x000000000000000000000000000000000000cafE"
TOKEN_UNITS = 10**18


def _python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=180)


def _child_json(code: str, *args: str) -> object:
    done = _python("-c", code, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


READ_URL = "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())"
TOKEN_BALANCE = ("import sys, json; from web3 import Web3; w3 = Web3(Web3.HTTPProvider(sys.argv[1])); "
                 "print(json.dumps(int.from_bytes(w3.eth.call({'to': sys.argv[2], 'data': '0x70a08231' + "
                 "sys.argv[3][2:].lower().rjust(64, '0')}), 'big')))")
SAFE_NONCE = ("import sys, json; from web3 import Web3; w3 = Web3(Web3.HTTPProvider(sys.argv[1])); "
              "print(json.dumps(int.from_bytes(w3.eth.call({'to': sys.argv[2], 'data': '0xaffed0e0'}), 'big')))")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("propose")
    anvil, line = _started([str(ANVIL), "--port", "0", "--chain-id", str(CHAIN_ID)], "Listening on")
    rpc = "http://" + line.split("Listening on", 1)[1].strip()
    service = None
    try:
        deployed = json.loads(_python("-m", "tests.courier.anvil_safe", "deploy", rpc, ",".join(OWNERS), "2",
                                      str(10 * ONE_ETH)).stdout)
        safe = deployed["safe"]
        extras = json.loads(_python("-m", "tests.courier.anvil_safe", "extras", rpc, safe, str(1000 * TOKEN_UNITS)).stdout)
        info = {"address": safe, "nonce": 0, "threshold": 2, "owners": OWNERS, "masterCopy": deployed["singleton"],
                "modules": [], "fallbackHandler": ZERO, "guard": ZERO, "version": "1.4.1"}
        (tmp / "service.json").write_text(json.dumps({"safeInfo": info, "transactions": [], "chainId": CHAIN_ID,
                                                      "rpc": rpc}))
        service, started = _started([sys.executable, "-m", "tests.courier.service_standin", str(tmp / "service.json")],
                                    "listening")
        keystores = []
        for index, key in enumerate([*KEYS, b"\x44" * 32]):  # the fourth is not an owner
            path = tmp / f"key{index}.json"
            path.write_text(json.dumps(Account.encrypt(key, f"pw{index}", kdf="pbkdf2", iterations=1024)))
            (tmp / f"key{index}.pw").write_text(f"pw{index}\n")
            keystores.append(["--keystore", str(path), "--password-file", str(tmp / f"key{index}.pw")])
        yield {"rpc": rpc, "service": f"http://127.0.0.1:{started.split()[1]}", "safe": safe, "tmp": tmp,
               "executor": deployed["executor"], "token": extras["token"], "keystores": keystores}
    finally:
        for process in (service, anvil):
            if process is not None:
                process.terminate()
                process.wait(10)


def courier(world, command: str, *args: str) -> subprocess.CompletedProcess:
    return _python("-m", "courier", command, "--service", world["service"], "--rpc", world["rpc"], *args)


def propose(world, owner: int, *args: str) -> subprocess.CompletedProcess:
    return courier(world, "propose", "--safe", world["safe"], *world["keystores"][owner], *args)


def service_tx(world, safe_tx_hash: str) -> dict:
    return _child_json(READ_URL, f"{world['service']}/api/v1/multisig-transactions/{safe_tx_hash}/")


def pending_hashes(world) -> list[str]:
    page = _child_json(READ_URL, f"{world['service']}/api/v1/safes/{world['safe']}/multisig-transactions/?executed=false")
    return [tx["safeTxHash"] for tx in page["results"]]


def expected_hash(world, to: str, value: int, data: str, operation: int, nonce: int, safe_tx_gas: int = 0) -> str:
    """safe-eth-py's safeTxHash of these fields."""
    path = world["tmp"] / f"expected-{nonce}-{to[-4:]}.json"
    path.write_text(json.dumps({"safe": world["safe"], "chainId": CHAIN_ID, "safeVersion": "1.4.1", "to": to,
                                "value": str(value), "data": data, "operation": operation, "safeTxGas": safe_tx_gas,
                                "baseGas": 0, "gasPrice": "0", "gasToken": ZERO, "refundReceiver": ZERO,
                                "nonce": nonce}))
    return "0x" + peer_safe_tx_hash(path).hex()


def confirm(world, safe_tx_hash: str, owner: int) -> None:
    """Owner `owner`'s signature (eth-account), posted through `coldsight-courier submit`."""
    from decoders.ur.eip4527 import EthSignature
    from decoders.ur.ur import encode_single

    signature = Account.unsafe_sign_hash(bytes.fromhex(safe_tx_hash[2:]), KEYS[owner]).signature
    path = world["tmp"] / f"signature-{safe_tx_hash[:10]}-{owner}.txt"
    path.write_text(encode_single(EthSignature(bytes(signature), None, "test").to_ur()))
    done = courier(world, "submit", "--safe-tx-hash", safe_tx_hash, "--signature", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def balances(world, *addresses: str) -> list[int]:
    return _child_json("import sys, json; from web3 import Web3; w3 = Web3(Web3.HTTPProvider(sys.argv[1])); "
                       "print(json.dumps([w3.eth.get_balance(a) for a in sys.argv[2:]]))", world["rpc"], *addresses)


def proposed_hash(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.split("proposed safeTxHash ", 1)[1].split(",", 1)[0]


def erc20_transfer(to: str, amount: int) -> str:
    return "0xa9059cbb" + to[2:].lower().rjust(64, "0") + hex(amount)[2:].rjust(64, "0")


def _propose_a_transfer_and_a_token_transfer_and_see_the_conflict(world):
    # RECIPIENT is in no address book: the static preview warns (issue 18), the proposer acknowledges it
    eth = propose(world, 0, "--to", RECIPIENT, "--value", "1.5", "--out", str(world["tmp"] / "eth.txt"), "--ack-warnings")
    eth_hash = proposed_hash(eth)
    assert eth_hash == expected_hash(world, RECIPIENT, 1_500_000_000_000_000_000, "0x", 0, 0)
    listed = service_tx(world, eth_hash)
    assert [c["owner"] for c in listed["confirmations"]] == [OWNERS[0]]  # recovered by the stand-in
    assert (world["tmp"] / "eth.txt").read_text().startswith("UR:ETH-SIGN-REQUEST/")

    token = propose(world, 1, "--to", RECIPIENT, "--value", "2.25", "--token", world["token"], "--nonce", "0",
                    "--ack-warnings")
    token_hash = proposed_hash(token)
    data = erc20_transfer(RECIPIENT, 2_250_000_000_000_000_000)
    assert service_tx(world, token_hash)["data"].lower() == data
    assert token_hash == expected_hash(world, world["token"], 0, data, 0, 0)
    assert "UR:ETH-SIGN-REQUEST/" in token.stdout  # no --out: the request is printed as ur: text
    assert "NONCE CONFLICT: nonce 0 is used by 2 queued transactions" in token.stdout

    pending = courier(world, "pending", "--safe", world["safe"])
    assert pending.returncode == 0, pending.stdout + pending.stderr
    assert "value: 1.5 native coin (1500000000000000000 wei) from the Safe to" in pending.stdout
    assert "token: 2.25 TST (2250000000000000000 raw units" in pending.stdout
    assert "intent: Send 1.5 native coin to 0x0000…bEEF" in pending.stdout
    assert f"NONCE CONFLICT: nonce 0 is used by 2 queued transactions ({', '.join(sorted([eth_hash, token_hash]))})" \
        in pending.stdout
    world["eth_hash"] = eth_hash


def _exec_says_not_sent_then_reports_success(world):
    eth_hash = world["eth_hash"]
    confirm(world, eth_hash, 2)
    [before] = balances(world, RECIPIENT)
    dry = courier(world, "exec", "--safe-tx-hash", eth_hash)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "not sent (no --send-from or --executor-keystore)" in dry.stdout
    assert balances(world, RECIPIENT) == [before]
    sent = courier(world, "exec", "--safe-tx-hash", eth_hash, "--send-from", world["executor"])
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert f"executed: the Safe emitted ExecutionSuccess for safeTxHash {eth_hash}" in sent.stdout
    assert "the Safe's nonce is now 1" in sent.stdout
    assert balances(world, RECIPIENT) == [before + 1_500_000_000_000_000_000]


def _propose_a_transaction_builder_batch_and_execute_it(world):
    from decoders.formats.tx_builder import checksum

    document = {"version": "1.0", "chainId": str(CHAIN_ID), "createdAt": 1767225600000,
                "meta": {"name": "two payments", "description": "", "txBuilderVersion": "1.18.0",
                         "createdFromSafeAddress": world["safe"], "createdFromOwnerAddress": "", "checksum": ""},
                "transactions": [{"to": RECIPIENT, "value": "100", "data": None},
                                 {"to": SECOND, "value": "200", "data": None}]}
    document["meta"]["checksum"] = checksum(document)
    path = world["tmp"] / "batch.json"
    path.write_text(json.dumps(document))
    before = balances(world, RECIPIENT, SECOND)
    batch = propose(world, 2, "--tx-builder", str(path), "--ack-warnings")  # unnamed payees warn (issue 18)
    batch_hash = proposed_hash(batch)
    listed = service_tx(world, batch_hash)
    assert listed["operation"] == 1 and listed["nonce"] == 1  # after the chain's nonce 1
    # MultiSendCallOnly 1.4.1's canonical address (safe-deployments), multiSend(bytes) of two packed CALLs
    assert listed["to"] == "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
    packed = "".join("00" + to[2:].lower() + hex(value)[2:].rjust(64, "0") + "0" * 64
                     for to, value in ((RECIPIENT, 100), (SECOND, 200)))
    assert listed["data"].lower() == "0x8d80ff0a" + "20".rjust(64, "0") + hex(len(packed) // 2)[2:].rjust(64, "0") + \
        packed + "0" * (-len(packed) % 64)
    confirm(world, batch_hash, 0)
    sent = courier(world, "exec", "--safe-tx-hash", batch_hash, "--send-from", world["executor"])
    assert sent.returncode == 0 and "ExecutionSuccess" in sent.stdout, sent.stdout + sent.stderr
    assert balances(world, RECIPIENT, SECOND) == [before[0] + 100, before[1] + 200]


def _a_payload_file_whose_call_reverts_ends_in_execution_failure(world):
    data = erc20_transfer(RECIPIENT, 5000 * TOKEN_UNITS)  # the Safe holds 1,000 TST: the token reverts
    path = world["tmp"] / "too-much.json"
    path.write_text(json.dumps({"safe": world["safe"], "chainId": CHAIN_ID, "to": world["token"], "value": "0",
                                "data": data, "operation": 0, "safeTxGas": 60000, "baseGas": 0, "gasPrice": "0",
                                "gasToken": ZERO, "refundReceiver": ZERO, "nonce": 2}))
    failing_hash = proposed_hash(propose(world, 0, "--payload", str(path), "--ack-warnings"))  # unnamed payee
    assert failing_hash == expected_hash(world, world["token"], 0, data, 0, 2, safe_tx_gas=60000)
    confirm(world, failing_hash, 1)
    tokens_before = _child_json(TOKEN_BALANCE, world["rpc"], world["token"], world["safe"])
    sent = courier(world, "exec", "--safe-tx-hash", failing_hash, "--send-from", world["executor"])
    assert sent.returncode == 3, sent.stdout + sent.stderr
    assert f"FAILED: the Safe emitted ExecutionFailure for safeTxHash {failing_hash}" in sent.stderr
    assert "the nonce 2 is used up" in sent.stderr
    assert _child_json(TOKEN_BALANCE, world["rpc"], world["token"], world["safe"]) == tokens_before
    assert _child_json(SAFE_NONCE, world["rpc"], world["safe"]) == 3


def _propose_refuses_what_it_must_not_sign(world):
    before = pending_hashes(world)
    attack = json.loads((ROOT / "examples" / "bybit-attack.json").read_text())
    path = world["tmp"] / "attack.json"
    path.write_text(json.dumps({**attack, "safe": world["safe"], "chainId": CHAIN_ID, "safeVersion": "1.4.1",
                                "safeTxGas": 0, "nonce": 3}))
    blocked = propose(world, 0, "--payload", str(path))
    assert blocked.returncode == 2, blocked.stdout + blocked.stderr
    assert "BLOCK" in blocked.stderr and "run its own code with full control" in blocked.stdout
    stranger = propose(world, 3, "--to", RECIPIENT, "--value", "1", "--ack-warnings")
    assert stranger.returncode == 2 and "not an owner on chain" in stranger.stderr
    too_precise = propose(world, 0, "--to", RECIPIENT, "--value", "0.0000000000000000001")
    assert too_precise.returncode == 3 and "more decimals than the 18" in too_precise.stderr
    mistyped = propose(world, 0, "--to", "0x000000000000000000000000000000000000beEF", "--value", "1")
    assert mistyped.returncode == 3 and "fails its EIP-55 checksum" in mistyped.stderr
    stale = propose(world, 0, "--to", RECIPIENT, "--value", "1", "--nonce", "1", "--ack-warnings")
    assert stale.returncode == 2 and "below the Safe's nonce 3" in stale.stderr
    assert pending_hashes(world) == before  # nothing was posted


def test_propose_pending_exec_on_one_chain(world):
    """One scenario on one anvil: each step builds on the chain state (nonces, balances) the previous left,
    so the steps run in order in one test (pytest-xdist would otherwise split them over two chains)."""
    _propose_a_transfer_and_a_token_transfer_and_see_the_conflict(world)
    _exec_says_not_sent_then_reports_success(world)
    _propose_a_transaction_builder_batch_and_execute_it(world)
    _a_payload_file_whose_call_reverts_ends_in_execution_failure(world)
    _propose_refuses_what_it_must_not_sign(world)
