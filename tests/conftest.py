"""Shared test setup: Qt runs offscreen, plus helpers to run the `coldsight` CLI in-process."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything can import Qt

# Tests never touch the user's real state (policy anti-rollback serials, review log, address book,
# crash reports): one private state directory per test process, inherited by the CLI subprocesses.
# Tests that need a particular state set COLDSIGHT_STATE_DIR themselves (monkeypatch).
if "COLDSIGHT_TEST_KEEP_STATE_DIR" not in os.environ:
    import tempfile

    os.environ["COLDSIGHT_STATE_DIR"] = tempfile.mkdtemp(prefix="coldsight-test-state-")

import contextlib
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(argv: list[str], stdin: bytes | None = None) -> CliResult:
    """Call `app.cli.main(argv)` and capture what it writes and returns (SystemExit included)."""
    from app.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.stdin = old_stdin
    return CliResult(code=code, stdout=out.getvalue(), stderr=err.getvalue())


@pytest.fixture(name="run_cli")
def run_cli_fixture():
    return run_cli


@pytest.fixture
def examples_dir() -> Path:
    return REPO_ROOT / "examples"


@pytest.fixture
def write_payload(tmp_path: Path):
    """Write a payload (dict -> JSON, str -> text, bytes as is) to a file and return its path."""
    counter = iter(range(1_000_000))

    def write(content: object, name: str | None = None) -> str:
        path = tmp_path / (name or f"payload-{next(counter)}.json")
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_text(json.dumps(content))
        return str(path)

    return write
