"""Speed of the signer's app (numbers are printed, never asserted):

1. window shown, cold: wall time from starting `python -m app.cli gui` to the first event-loop
   turn after the window is shown (median of N runs, each a fresh process);
2. review after the last QR part: time from feeding the final `ur:` part into the scanner to the
   review screen being built and laid out (verify + widgets), in one warm process.

    python tools/bench_gui.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def window_shown_seconds(runs: int) -> list[float]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), COLDSIGHT_BENCH_SHOWN="1",
               COLDSIGHT_STATE_DIR=tempfile.mkdtemp(prefix="coldsight-bench-"))
    times = []
    for _ in range(runs):
        started = time.time()
        out = subprocess.run([sys.executable, "-m", "app.cli", "gui"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60)
        line = next((l for l in out.stdout.splitlines() if l.startswith("window-shown-at ")), None)
        if line is None:
            raise SystemExit(f"the app did not report its window: {out.stderr[-500:]}")
        times.append(float(line.split()[1]) - started)
    return times


def review_after_last_part_seconds(runs: int) -> list[float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    import cbor2

    from app.gui.app import create_application
    from app.gui.main_window import MainWindow
    from app.qr.scan import QRScanner
    from app.service import ReviewOptions, review_text
    from decoders.ur.ur import UR, UREncoder

    app = create_application()
    options = ReviewOptions()
    payload = (ROOT / "examples" / "bybit-attack.json").read_bytes()
    times = []
    for _ in range(runs + 1):  # the first run warms imports and is dropped
        encoder = UREncoder(UR("bytes", cbor2.dumps(payload)), max_fragment_len=60)
        parts = [encoder.next_part() for _ in range(encoder.min_parts)]
        window = MainWindow(options, ["bench"], cameras=[0])
        window.show()
        app.processEvents()
        scanner = QRScanner()
        for part in parts[:-1]:
            scanner.feed_text(part)
        window.session.start_scan()
        started = time.perf_counter()
        scanner.feed_text(parts[-1])  # the last part: what the worker thread does from here on
        result = scanner.result("bench")
        review = review_text(result.text, result.source, options)
        window._scan_verified(review, "bench")  # the queued signal's slot, on the UI thread
        app.processEvents()
        window.centralWidget().grab()  # force layout and a paint of the review screen
        times.append(time.perf_counter() - started)
        window._stop_scan_worker()
        window.close()
        window.deleteLater()
        app.processEvents()
    return times[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    shown = window_shown_seconds(args.runs)
    print(f"window shown (cold process start): median {statistics.median(shown) * 1000:.0f} ms, "
          f"max {max(shown) * 1000:.0f} ms over {len(shown)} runs (goal < 1500 ms)")
    review = review_after_last_part_seconds(args.runs)
    print(f"review screen after the last QR part: median {statistics.median(review) * 1000:.1f} ms, "
          f"max {max(review) * 1000:.1f} ms over {len(review)} runs (goal < 150 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
