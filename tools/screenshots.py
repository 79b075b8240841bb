"""Regenerate docs/screenshots/*.png: the review screen for an ok, a warn, a block (the Bybit
attack), an address-poisoning lookalike, an invalid payload, a Safe message (a Permit2 allowance)
and a nested-Safe approval reviewed with its child transaction, with the example address book
(docs/screenshots/payloads/addressbook.csv), rendered offscreen exactly as `coldsight render` does.

    python tools/screenshots.py            # from the repository root (uses QT_QPA_PLATFORM=offscreen)
    python tools/screenshots.py --loop     # also the signer's loop on anvil (needs bash tests/node/setup.sh)

`--loop` runs the real courier against anvil and the Safe Transaction Service stand-in of
tests/courier (Safe 1.4.1, 2 of 3 owners, one pending 1 ETH transfer) and keeps what the README's
walkthrough shows: the courier's request QR (first frame), the signature QR `coldsight sign`
writes, the app's review of the request and its decided screen with the sign card used (a second
owner), and the terminal transcript of every command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
TREASURY = Path("policies/examples/treasury.toml")  # the example policy, signed by the example keys
PAYLOADS = "docs/screenshots/payloads"
# (picture, payload, policy, child). The example policy is signed only by the public example keys,
# so it can never give ok: the ok picture is rendered without a policy.
CASES = (
    ("ok.png", f"{PAYLOADS}/ok-usdc-transfer.json", None, None),
    ("warn.png", "policies/examples/payloads/treasury-large-transfer.json", TREASURY, None),
    ("warn-no-policy.png", f"{PAYLOADS}/warn-batch-approve.json", None, None),
    ("block-bybit.png", "examples/bybit-attack.json", None, None),
    ("invalid.png", f"{PAYLOADS}/invalid-missing-nonce.json", None, None),
    ("block-lookalike.png", f"{PAYLOADS}/intents-lookalike.json", None, None),
    ("message-permit2.png", f"{PAYLOADS}/message-permit2.json", None, None),
    ("nested-approval.png", f"{PAYLOADS}/nested-approve-parent.json", None, f"{PAYLOADS}/ok-usdc-transfer.json"),
)
# The pictures use this address book, never the one imported on the machine that renders them.
ADDRESS_BOOK = Path("docs/screenshots/payloads/addressbook.csv")
LAPTOP = (1366, 768)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)  # payload paths in the pictures read as repository paths
    from app.cmd_render import review_or_problem
    from app.gui.render import render_png
    from app.service import ReviewOptions

    import tempfile
    from dataclasses import replace

    # A fresh state directory: the serials this machine has seen (anti-rollback) must not refuse the example policy.
    state = Path(tempfile.mkdtemp(prefix="coldsight-screenshots-"))
    for name, payload, policy, child in CASES:
        options = ReviewOptions(payload=payload, policy=policy, address_book=ADDRESS_BOOK, state_dir=state)
        review, problem = review_or_problem(replace(options, child=child))
        render_png(SHOTS / name, review=review, problem=problem)
        # The first screen on a 1366x768 laptop (its task bar and title bar take 48 pixels), decision bar included.
        laptop = SHOTS / "laptop" / name
        render_png(laptop, review=review, problem=problem, width=LAPTOP[0], window_height=LAPTOP[1] - 48)
        print(f"{SHOTS / name}, {laptop}: {review.verdict if review else 'invalid (block)'}")
    if "--loop" in sys.argv[1:]:
        signer_loop()
    return 0


LOOP_COMMANDS = (  # (shown as, argv after the interpreter); run in a scratch folder
    ("coldsight-courier pending --service $SERVICE --rpc $RPC --safe $SAFE",
     ["-m", "courier", "pending", "--service", "{service}", "--rpc", "{rpc}", "--safe", "{safe}"]),
    ("coldsight-courier show --service $SERVICE --rpc $RPC --safe-tx-hash $H --out request.gif",
     ["-m", "courier", "show", "--service", "{service}", "--rpc", "{rpc}", "--safe-tx-hash", "{hash}",
      "--out", "request.gif"]),
    ("coldsight sign request.gif --keystore owner.json --password-file owner.pw --out signature.png",
     ["-m", "app.cli", "sign", "request.gif", "--keystore", "owner.json", "--password-file", "owner.pw",
      "--out", "signature.png"]),
    ("coldsight-courier submit --service $SERVICE --rpc $RPC --safe-tx-hash $H --signature signature.png",
     ["-m", "courier", "submit", "--service", "{service}", "--rpc", "{rpc}", "--safe-tx-hash", "{hash}",
      "--signature", "signature.png"]),
)


def signer_loop() -> None:
    """Both ends of the signer's loop on a local chain (see the module docstring)."""
    import json
    import shutil
    import subprocess
    import tempfile

    from eth_account import Account

    from tests.courier import test_loop_on_anvil as loop  # the end-to-end test's chain and service set-up

    scratch = Path(tempfile.mkdtemp(prefix="coldsight-loop-"))
    anvil, line = loop._started([str(loop.ANVIL), "--port", "0", "--chain-id", str(loop.CHAIN_ID)], "Listening on")
    service = None
    try:
        rpc = "http://" + line.split("Listening on", 1)[1].strip()
        deployed = loop._json_child("deploy", rpc, ",".join(loop.OWNERS), "2", str(10 * loop.ONE_ETH))
        safe = deployed["safe"]
        transfer = loop._service_tx(safe, 0, loop.RECIPIENT, loop.ONE_ETH, b"", 0)
        info = {"address": safe, "nonce": 0, "threshold": 2, "owners": loop.OWNERS, "masterCopy": deployed["singleton"],
                "modules": [], "fallbackHandler": loop.ZERO, "guard": loop.ZERO, "version": "1.4.1"}
        (scratch / "service.json").write_text(json.dumps({"safeInfo": info, "transactions": [transfer]}))
        service, started = loop._started([sys.executable, "-m", "tests.courier.service_standin",
                                          str(scratch / "service.json")], "listening")
        values = {"service": f"http://127.0.0.1:{started.split()[1]}", "rpc": rpc, "safe": safe,
                  "hash": transfer["safeTxHash"]}
        for index, key in enumerate(loop.KEYS[:2]):
            name = "owner" if index == 0 else f"owner{index}"
            (scratch / f"{name}.json").write_text(json.dumps(Account.encrypt(key, f"pw{index}", kdf="pbkdf2",
                                                                             iterations=1024)))
            (scratch / f"{name}.pw").write_text(f"pw{index}\n")
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen",
               "COLDSIGHT_STATE_DIR": str(scratch / "state")}
        transcript = [f"# SERVICE={values['service']} (stand-in)  RPC={rpc} (anvil)  SAFE={safe}  H={values['hash']}"]
        for shown, argv in LOOP_COMMANDS:
            done = subprocess.run([sys.executable, *[part.format(**values) for part in argv]], cwd=scratch, env=env,
                                  capture_output=True, text=True, timeout=300)
            transcript += [f"$ {shown}", (done.stdout + done.stderr).rstrip(), f"(exit {done.returncode})"]
            if done.returncode != 0:
                raise SystemExit("\n".join(transcript))
        frames = scratch / "frames"
        subprocess.run([sys.executable, "-m", "courier", "show", "--service", values["service"], "--rpc", rpc,
                        "--safe-tx-hash", values["hash"], "--out", str(frames)], cwd=scratch, env=env, check=True,
                       capture_output=True)
        shutil.copy(sorted(frames.glob("*.png"))[0], SHOTS / "loop-courier-request.png")
        shutil.copy(scratch / "signature.png", SHOTS / "loop-signature.png")
        subprocess.run([sys.executable, "-m", "courier", "show", "--service", values["service"], "--rpc", rpc,
                        "--safe-tx-hash", values["hash"], "--out", "request.txt"], cwd=scratch, env=env, check=True,
                       capture_output=True)
        render_sign_card(scratch / "request.txt", scratch / "owner1.json", "pw1", SHOTS / "loop-sign-card.png")
        (SHOTS / "loop-transcript.txt").write_text("\n".join(transcript) + "\n")
        print(f"{SHOTS}/loop-*.png, loop-transcript.txt written")
    finally:
        for process in (service, anvil):
            if process is not None:
                process.terminate()
                process.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)


def render_sign_card(request: Path, keystore: Path, password: str, out: Path) -> None:
    """The app after "Reviewed" with `--keystore`: the decided screen, its sign card used."""
    from app.gui.render import grab_png
    from app.gui.screens import DecidedScreen
    from app.gui.sign_panel import SignPanel
    from app.service import ReviewOptions, review_payload
    from app.session import Decision, ReviewSession

    from app.gui.app import create_application

    create_application()
    from app.gui.render import render_png

    review = review_payload(ReviewOptions(payload=str(request), address_book=ADDRESS_BOOK))
    render_png(out.with_name("loop-review.png"), review=review)  # what the owner reviews before signing
    session = ReviewSession()
    session.begin_verifying(request.name)
    session.show_review(review)
    record = session.decide(Decision.REVIEWED)
    panel = SignPanel(review, record.acknowledged, keystore)
    panel.keystore_label.setText("Keystore file: owner1.json")  # not the scratch folder's path
    panel.password.setText(password)
    panel.sign()
    grab_png(DecidedScreen(record, "~/.local/state/coldsight/review-log.jsonl", lambda: None, sign_panel=panel,
                          fit_content=True), out,
             width=1000)


if __name__ == "__main__":
    sys.exit(main())
