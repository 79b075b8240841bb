"""Regenerate docs/screenshots/*.png: the review screen for an ok, a warn, a block (the Bybit
attack), an address-poisoning lookalike and an invalid payload, with the example address book
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
CASES = (  # (picture, payload, policy)
    ("ok.png", "policies/examples/payloads/treasury-payroll-batch.json", TREASURY),
    ("warn.png", "policies/examples/payloads/treasury-large-transfer.json", TREASURY),
    ("warn-no-policy.png", "docs/screenshots/payloads/warn-batch-approve.json", None),
    ("block-bybit.png", "examples/bybit-attack.json", None),
    ("invalid.png", "docs/screenshots/payloads/invalid-missing-nonce.json", None),
    ("block-lookalike.png", "docs/screenshots/payloads/intents-lookalike.json", None),
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

    for name, payload, policy in CASES:
        review, problem = review_or_problem(ReviewOptions(payload=payload, policy=policy, address_book=ADDRESS_BOOK))
        render_png(SHOTS / name, review=review, problem=problem)
        print(f"{SHOTS / name}: {review.verdict if review else 'invalid (block)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
