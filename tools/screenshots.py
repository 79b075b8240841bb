"""Regenerate docs/screenshots/*.png: the review screen for an ok, a warn, a block (the Bybit
attack), an address-poisoning lookalike, an invalid payload, a Safe message (a Permit2 allowance)
and a nested-Safe approval reviewed with its child transaction, with the example address book
(docs/screenshots/payloads/addressbook.csv), rendered offscreen exactly as `coldsight render` does.

    python tools/screenshots.py            # from the repository root (uses QT_QPA_PLATFORM=offscreen)
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


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)  # payload paths in the pictures read as repository paths
    from app.cmd_render import review_or_problem
    from app.gui.render import render_png
    from app.service import ReviewOptions

    import tempfile

    # A fresh state directory: the serials this machine has seen (anti-rollback) must not refuse the example policy.
    state = Path(tempfile.mkdtemp(prefix="coldsight-screenshots-"))
    for name, payload, policy, child in CASES:
        options = ReviewOptions(payload=payload, policy=policy, address_book=ADDRESS_BOOK, state_dir=state)
        review, problem = review_or_problem(options, child)
        render_png(SHOTS / name, review=review, problem=problem)
        print(f"{SHOTS / name}: {review.verdict if review else 'invalid (block)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
