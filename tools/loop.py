"""The whole signer's loop on this machine, for trying it out: `bash tools/dev.sh loop` runs this
after setting up .venv (the courier's packages) and the node test peers (anvil).

It starts anvil (npm @foundry-rs/anvil, chain 31337), puts Safe 1.4.1 on it with 2 of 3 owners,
10 ETH and 1,000 TST of a test token (tests/courier/anvil_safe.py), starts the Safe Transaction
Service stand-in (tests/courier/service_standin.py), and then:
- proposes an ordinary transfer (1 ETH to 0x…bEEF) with `coldsight-courier propose`, as owner 0;
- posts a Bybit-shaped transaction the way a tampered wallet page would have owner 0 sign it: a
  delegatecall to a contract at the Bybit attacker's address whose "transfer" overwrites the Safe's
  implementation slot (the real attack's calldata, examples/bybit-attack.json, at the next nonce).
Owner keystores (PUBLIC TEST KEYS: never send real funds to them) and an `env` file with the
URLs, the Safe and both safeTxHashes go into the state folder (.loop/ by default). It prints the
next commands for both machines and keeps anvil and the service running until Ctrl+C.

    python tools/loop.py [--state DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANVIL = ROOT / "tests" / "node" / "node_modules" / ".bin" / "anvil"
CHAIN_ID = 31337
TEST_KEYS = [bytes([n]) * 32 for n in (0x11, 0x22, 0x33)]  # public test keys: anyone can sign with them
RECIPIENT = "0x000000000000000000000000000000000000bEEF"
ONE_ETH = 10**18
READY = "the loop is ready"

# What to run next, for both machines (the README's walkthrough is the same list; a test runs it).
NEXT_COMMANDS = """\
. .loop/env    # RPC, SERVICE, SAFE, TRANSFER, ATTACK, TOKEN, EXECUTOR and LOOP (the state folder)
# online: the queue, each transaction cross-checked against the chain
.venv/bin/coldsight-courier pending --service $SERVICE --rpc $RPC --safe $SAFE
.venv/bin/coldsight-courier show --service $SERVICE --rpc $RPC \\
    --safe-tx-hash $TRANSFER --out $LOOP/transfer.gif
# offline, once: the team's address book names the payee (an unknown payee is a warning to acknowledge)
.venv/bin/coldsight addressbook import $LOOP/addressbook.csv
# offline: review, then sign as owner 1 (owner 0 signed when it proposed)
.venv/bin/coldsight sign $LOOP/transfer.gif \\
    --keystore $LOOP/owner1.json --password-file $LOOP/owner1.pw \\
    --out $LOOP/transfer-signature.png
# online: the signature back, then execute: 1 ETH leaves the Safe
.venv/bin/coldsight-courier submit --service $SERVICE --rpc $RPC \\
    --safe-tx-hash $TRANSFER --signature $LOOP/transfer-signature.png
.venv/bin/coldsight-courier exec --service $SERVICE --rpc $RPC --safe-tx-hash $TRANSFER --send-from $EXECUTOR
# the Bybit-shaped one: offline, the review blocks it and nothing is signed
.venv/bin/coldsight-courier show --service $SERVICE --rpc $RPC --safe-tx-hash $ATTACK --out $LOOP/attack.gif
.venv/bin/coldsight sign $LOOP/attack.gif \\
    --keystore $LOOP/owner1.json --password-file $LOOP/owner1.pw \\
    --out $LOOP/attack-signature.png    # exit 2
# online: cancel it for good: owner 2 proposes an empty transaction at the same nonce (Safe{Wallet}'s "Reject");
# sign, submit and exec it like the transfer (propose prints its safeTxHash)
.venv/bin/coldsight-courier propose --service $SERVICE --rpc $RPC --safe $SAFE --to $SAFE --value 0 --nonce 1 \\
    --keystore $LOOP/owner2.json --password-file $LOOP/owner2.pw \\
    --out $LOOP/reject.gif
.venv/bin/coldsight-courier pending --service $SERVICE --rpc $RPC --safe $SAFE    # NONCE CONFLICT: nonce 1
"""


def _started(command: list[str], marker: str, log: Path) -> tuple[subprocess.Popen, str]:
    """Start `command`; its first output line containing `marker` (output also copied to `log`)."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    with log.open("w") as copy:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            copy.write(line)
            if not line and process.poll() is not None:
                break
            if marker in line:
                return process, line
    process.kill()
    raise SystemExit(f"loop: {Path(command[0]).name} did not start (its output: {log})")


def _courier(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "courier", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"loop: coldsight-courier {args[0]} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def write_keystores(state: Path) -> list[str]:
    from eth_account import Account

    owners = []
    for index, key in enumerate(TEST_KEYS):
        password = f"owner{index}-test-password"
        keystore = Account.encrypt(key, password, kdf="pbkdf2", iterations=4096)
        (state / f"owner{index}.json").write_text(json.dumps(keystore))
        (state / f"owner{index}.pw").write_text(password + "\n")
        owners.append(Account.from_key(key).address)
    return owners


def post_bybit_shaped(service: str, rpc: str, safe: str) -> str:
    """Owner 0 signs and posts the attack's fields, as the tampered page had the Bybit signers do."""
    from eth_account import Account

    from app.signing import sign_hash
    from courier.chain import Chain
    from courier.crosscheck import parse_service_tx, preview
    from courier.propose import Call, next_nonce, proposal_body, service_document
    from courier.service_api import TransactionService

    attack = json.loads((ROOT / "examples" / "bybit-attack.json").read_text())
    chain_state = Chain(rpc).read_safe(safe)
    api = TransactionService(service)
    call = Call(attack["to"], 0, bytes.fromhex(attack["data"][2:]), attack["operation"], "the Bybit-shaped delegatecall")
    document = service_document(chain_state, call, next_nonce(chain_state, api.pending(safe)))
    safe_tx_hash = preview(parse_service_tx(document, chain_state), chain_state).hashes.safe_tx
    proposer = Account.from_key(TEST_KEYS[0]).address
    api.propose(safe, proposal_body(document, safe_tx_hash, proposer, sign_hash(TEST_KEYS[0], safe_tx_hash)))
    return "0x" + safe_tx_hash.hex()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/loop.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", type=Path, default=ROOT / ".loop", help="the state folder (default .loop/)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if not ANVIL.exists():
        print("loop: anvil is not installed: run bash tests/node/setup.sh (bash tools/dev.sh loop does)", file=sys.stderr)
        return 1
    from tests.courier.anvil_safe import deploy, extras

    state = args.state.resolve()
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    children: list[subprocess.Popen] = []

    def stop(*_: object, status: int = 0) -> None:
        for child in reversed(children):
            child.terminate()
        for child in reversed(children):
            child.wait(10)
        raise SystemExit(status)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        anvil, line = _started([str(ANVIL), "--port", "0", "--chain-id", str(CHAIN_ID)], "Listening on", state / "anvil.log")
        children.append(anvil)
        rpc = "http://" + line.split("Listening on", 1)[1].strip()
        owners = write_keystores(state)
        # The address book the signer's team keeps: it names the payee, as a team names those it pays.
        (state / "addressbook.csv").write_text(f"address,name,chainId\n{RECIPIENT},recipient (test),{CHAIN_ID}\n")
        deployed = deploy(rpc, owners, 2, 10 * ONE_ETH)
        safe = deployed["safe"]
        token = extras(rpc, safe, 1000 * ONE_ETH)["token"]
        info = {"address": safe, "nonce": 0, "threshold": 2, "owners": owners, "masterCopy": deployed["singleton"],
                "modules": [], "fallbackHandler": "0x" + "00" * 20, "guard": "0x" + "00" * 20, "version": "1.4.1"}
        (state / "service.json").write_text(json.dumps({"safeInfo": info, "transactions": [], "chainId": CHAIN_ID,
                                                        "rpc": rpc}))
        standin, line = _started([sys.executable, "-m", "tests.courier.service_standin", str(state / "service.json")],
                                 "listening", state / "service.log")
        children.append(standin)
        service = f"http://127.0.0.1:{line.split()[1]}"
        proposed = _courier("propose", "--service", service, "--rpc", rpc, "--safe", safe, "--to", RECIPIENT,
                            "--value", "1", "--keystore", str(state / "owner0.json"),
                            "--password-file", str(state / "owner0.pw"), "--out", str(state / "transfer.txt"),
                            # the courier keeps no address book: owner 0 knows the payee it proposes to pay
                            "--ack-warnings")
        transfer = proposed.split("proposed safeTxHash ", 1)[1].split(",", 1)[0]
        attack = post_bybit_shaped(service, rpc, safe)
        values = {"RPC": rpc, "SERVICE": service, "SAFE": safe, "TRANSFER": transfer, "ATTACK": attack, "TOKEN": token,
                  "EXECUTOR": deployed["executor"], "LOOP": str(state)}
        (state / "env").write_text("".join(f"export {name}={value}\n" for name, value in values.items()))
        _describe(values, owners, state)
        print(READY + ": leave this running; press Ctrl+C to stop anvil and the service", flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(1)
        print("loop: anvil or the service stopped", file=sys.stderr)
        stop(status=1)
    except BaseException:
        for child in children:
            child.kill()
        raise
    return 0


def _describe(values: dict, owners: list[str], state: Path) -> None:
    relative = state.relative_to(ROOT) if state.is_relative_to(ROOT) else state
    print(f"""\
anvil (chain {CHAIN_ID}) at {values['RPC']}; Safe Transaction Service stand-in at {values['SERVICE']}
Safe 1.4.1 {values['SAFE']}: 2 of 3 owners, 10 ETH, 1,000 TST (test token {values['TOKEN']})
  owners {', '.join(owners)}
  keystores {relative}/owner0.json … owner2.json, passwords in owner0.pw … (PUBLIC TEST KEYS, never for real funds)
queued:
  nonce 0  {values['TRANSFER']}  1 ETH to {RECIPIENT}, proposed by owner 0 (1 of 2 signatures)
  nonce 1  {values['ATTACK']}  the Bybit-shaped delegatecall (posted as a tampered page would), signed by owner 0

Next, in a second terminal at {ROOT} (both machines are this one here; on real ones, carry the
QR files, or show them to the camera: `coldsight sign camera:0`, `--signature camera:0`):
""")
    commands = NEXT_COMMANDS if state == ROOT / ".loop" else NEXT_COMMANDS.replace(". .loop/env", f". {state}/env")
    print(commands, flush=True)


if __name__ == "__main__":
    sys.exit(main())
