"""The local review log: one JSON object per line per decision, for the security team to collect.

Path: `review-log.jsonl` in the state directory (`app.service.state_dir()`:
`$COLDSIGHT_STATE_DIR`, else `~/.local/state/coldsight/`, beside the policy serials). Lines
are only ever appended, each in one write, flushed and
fsynced, so a crash leaves at worst one missing line, never a corrupt earlier one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .service import state_dir
from .session import DecisionRecord

LOG_NAME = "review-log.jsonl"


def default_log_path() -> Path:
    return state_dir() / LOG_NAME


class ReviewLog:
    """Appends DecisionRecords to a JSON-lines file (created with its folder on first use)."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else default_log_path()

    def append(self, record: DecisionRecord) -> None:
        line = json.dumps(record.as_json(), sort_keys=True, separators=(",", ":")) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> list[dict]:
        """Every entry so far (for tests and the security team's tools)."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
