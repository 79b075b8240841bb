"""Speed and size figures of a build, for packaging/README.md:

    python packaging/measure.py [--binary dist/coldsight/coldsight] [--runs 10]

Prints bundle size, installer sizes, `verify` as a whole process, GUI start to window shown
(offscreen, via the app's COLDSIGHT_BENCH_SHOWN hook), and the self-test's own cost.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bybit-attack.json"


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def wall(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, env=env, check=False)
    return time.perf_counter() - start


def gui_shown(command: list[str], env: dict) -> float:
    start = time.time()
    out = subprocess.run(command, capture_output=True, env={**env, "COLDSIGHT_BENCH_SHOWN": "1"}, text=True).stdout
    for line in out.splitlines():
        if line.startswith("window-shown-at "):
            return float(line.split()[1]) - start
    raise SystemExit(f"the GUI never reported its window: {out!r}")


def describe(name: str, samples: list[float]) -> str:
    return (f"{name}: first {samples[0] * 1000:.0f} ms, median {statistics.median(samples) * 1000:.0f} ms, "
            f"min {min(samples) * 1000:.0f} ms ({len(samples)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", type=Path, default=ROOT / "dist" / "coldsight" / "coldsight")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    binary = str(args.binary)

    print(f"bundle {args.binary.parent}: {tree_size(args.binary.parent) / 1e6:.1f} MB "
          f"({sum(1 for p in args.binary.parent.rglob('*') if p.is_file())} files)")
    for artefact in sorted((ROOT / "dist").glob("coldsight*")):
        if artefact.is_file():
            print(f"artefact {artefact.name}: {artefact.stat().st_size / 1e6:.1f} MB")
    onefile = ROOT / "dist" / "onefile" / "coldsight"
    if onefile.exists():
        print(f"one-file executable: {onefile.stat().st_size / 1e6:.1f} MB")

    runs = args.runs
    print(describe("frozen verify (whole process)", [wall([binary, "verify", str(EXAMPLE)], env) for _ in range(runs)]))
    print(describe("frozen --version (bootloader + interpreter)", [wall([binary, "--version"], env) for _ in range(runs)]))
    print(describe("frozen gui start to window shown", [gui_shown([binary, "gui"], env) for _ in range(runs)]))
    print(describe("frozen gui with payload to window shown",
                   [gui_shown([binary, "gui", str(EXAMPLE)], env) for _ in range(runs)]))
    source = [sys.executable, "-m", "app.cli"]
    print(describe("source verify (python -m app.cli)",
                   [wall([*source, "verify", str(EXAMPLE)], {**env, "PYTHONPATH": str(ROOT)}) for _ in range(runs)]))

    # The self-test's own cost: in a fresh interpreter, after importing what `verify` imports anyway.
    probe = ("import time, decoders.verify, decoders.ur, app.selftest as s\n"
             "t = time.perf_counter(); r = s.run(); print((time.perf_counter() - t) * 1000, r.ok)")
    costs = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        costs.append(float(out.split()[0]) / 1000)
    print(describe("self-test, first run in a process (after verify's imports)", costs))


if __name__ == "__main__":
    main()
