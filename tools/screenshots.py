"""Regenerate docs/screenshots/*.png: the review screen for an ok, a warn, a block (the Bybit
attack) and an invalid payload, rendered offscreen exactly as `coldsight render` does.

    python tools/screenshots.py            # from the repository root (uses QT_QPA_PLATFORM=offscreen)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
TREASURY = ["--policy", "policies/examples/treasury.toml"]  # the example policy, signed by the example keys
CASES = (  # (picture, payload, extra command-line arguments)
    ("ok.png", "policies/examples/payloads/treasury-payroll-batch.json", TREASURY),
    ("warn.png", "policies/examples/payloads/treasury-large-transfer.json", TREASURY),
    ("warn-no-policy.png", "docs/screenshots/payloads/warn-batch-approve.json", []),
    ("block-bybit.png", "examples/bybit-attack.json", []),
    ("invalid.png", "docs/screenshots/payloads/invalid-missing-nonce.json", []),
)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)  # payload paths in the pictures read as repository paths
    from app.cli import build_parser
    from app.cmd_render import report_or_problem
    from app.gui.render import render_png

    for name, payload, extra in CASES:
        args = build_parser().parse_args(["render", payload, *extra, "--out", str(SHOTS / name)])
        report, problem = report_or_problem(args)
        render_png(SHOTS / name, report=report, problem=problem)
        print(f"{SHOTS / name}: {report.verdict if report else 'invalid (block)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
