"""Two ways to run `coldsight` as a whole process, as HWI does with its bindist interface:

* `module`: the source tree, `python -m app.cli` (always available);
* `frozen`: the PyInstaller one-folder build, dist/coldsight/coldsight (built by packaging/build.sh).

The frozen runner is used when the binary exists, and required when COLDSIGHT_FROZEN=1 (CI after a
build), so a missing hidden import or data file fails the suite instead of being skipped.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FROZEN_BINARY = Path(os.environ.get("COLDSIGHT_FROZEN_BINARY", ROOT / "dist" / "coldsight" / "coldsight"))
FROZEN_REQUIRED = os.environ.get("COLDSIGHT_FROZEN") == "1"


@dataclass(frozen=True)
class Runner:
    name: str
    command: tuple[str, ...]

    def run(self, *args: str, timeout: float = 120, wrapper: tuple[str, ...] = (), env: dict | None = None,
            stdin: bytes | None = None) -> subprocess.CompletedProcess:
        environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
        return subprocess.run([*wrapper, *self.command, *args], cwd=ROOT, capture_output=True, timeout=timeout,
                              env=environment, input=stdin)


MODULE = Runner("module", (sys.executable, "-m", "app.cli"))
FROZEN = Runner("frozen", (str(FROZEN_BINARY),))


def frozen_available() -> bool:
    return FROZEN_BINARY.is_file() and os.access(FROZEN_BINARY, os.X_OK)
