"""The one error boundary in `cli.main`: every error leaves as its documented exit status (README
"Exit status"), one `coldsight.error/1` document with `--format json`, and a bug becomes exit 3,
"internal error" and a report file, never a traceback on screen and never a verdict."""

import json
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli

BYBIT = REPO_ROOT / "examples" / "bybit-attack.json"
OK_PAYLOAD = REPO_ROOT / "docs" / "screenshots" / "payloads" / "ok-usdc-transfer.json"
POLICIES = REPO_ROOT / "policies" / "examples"
INVALID_EXIT, USAGE_EXIT = 3, 64  # README, "Exit status (stable)"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch) -> Path:
    state = tmp_path / "state"
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(state))
    return state


def explode(*_args, **_kwargs):
    raise RuntimeError("boom: a bug nobody expected")


def assert_internal_error(result, state_dir: Path) -> None:
    assert result.code == INVALID_EXIT, (result.code, result.stderr)
    assert "internal error" in result.stderr
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream and "boom" not in stream  # details go to the file only
    reports = sorted((state_dir / "crash-reports").glob("crash-*.txt"))
    assert len(reports) == 1
    assert str(reports[0]) in result.stderr  # the path is printed for the security team
    text = reports[0].read_text()
    assert "Traceback" in text and "RuntimeError: boom" in text


# (argv, what to break): one case per command family that the issue found without a catch-all.
UNEXPECTED = {
    "policy test": (["policy", "test", str(POLICIES / "treasury.toml")], "policies.testing.run_tests"),
    "policy diff": (["policy", "diff", str(POLICIES / "treasury.toml"), str(POLICIES / "treasury.toml")],
                    "policies.diff.diff"),
    "policy lint": (["policy", "lint", str(POLICIES / "treasury.toml")], "policies.lint.lint"),
    "qr encode": (["qr", "encode", str(BYBIT), "--out", "{tmp}/frames.txt"], "app.qr.encode.ur_texts"),
    "qr hash": (["qr", "hash", str(OK_PAYLOAD), "--out", "{tmp}/hash.png"], "app.qr.render.render_qr"),
    "verify": (["verify", str(BYBIT)], "app.service.verify_payload"),
}


@pytest.mark.parametrize("name", sorted(UNEXPECTED))
def test_unexpected_error_is_exit_3_with_a_report_file(name, monkeypatch, tmp_path, state_dir):
    argv, target = UNEXPECTED[name]
    monkeypatch.setattr(target, explode)
    result = run_cli([part.replace("{tmp}", str(tmp_path)) for part in argv])
    assert_internal_error(result, state_dir)
    assert not re.search(r"\bverdict\b", result.stdout)  # nothing that reads as a result


@pytest.mark.parametrize("argv,target", [
    (["policy", "test", str(POLICIES / "treasury.toml"), "--format", "json"], "policies.testing.run_tests"),
    (["verify", str(BYBIT), "--format", "json"], "app.service.verify_payload"),
])
def test_unexpected_error_with_json_prints_one_error_document(argv, target, monkeypatch, state_dir):
    monkeypatch.setattr(target, explode)
    result = run_cli(argv)
    assert_internal_error(result, state_dir)
    document = json.loads(result.stdout)
    assert document["schema"] == "coldsight.error/1" and document["verdict"] == "block"
    assert set(document["error"]) == {"code", "message", "where", "hint"}
    assert document["error"]["code"] == "INTERNAL" and "internal error" in document["error"]["message"]


def test_report_file_that_cannot_be_written_still_exits_3(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state directory should be")
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(blocker))
    monkeypatch.setattr("policies.diff.diff", explode)
    result = run_cli(["policy", "diff", str(POLICIES / "treasury.toml"), str(POLICIES / "treasury.toml")])
    assert result.code == INVALID_EXIT and "internal error" in result.stderr and "no report written" in result.stderr
    assert "Traceback" not in result.stderr


def test_policy_load_error_with_json_is_the_error_document(tmp_path):
    missing = tmp_path / "missing.toml"
    result = run_cli(["policy", "diff", str(missing), str(POLICIES / "treasury.toml"), "--format", "json"])
    assert result.code == INVALID_EXIT
    document = json.loads(result.stdout)
    assert document["schema"] == "coldsight.error/1" and document["error"]["where"] == str(missing)
    assert "policy refused" in result.stderr


def test_unwritable_output_is_exit_3_and_names_the_file(tmp_path):
    out = tmp_path / "no-such-dir" / "deeper" / "hash.png"
    (tmp_path / "no-such-dir").write_text("a file, so the folder cannot be made")
    result = run_cli(["qr", "hash", str(OK_PAYLOAD), "--out", str(out)])
    assert result.code == INVALID_EXIT and str(out) in result.stderr and "cannot write" in result.stderr
    assert "verdict" not in result.stdout


def test_usage_errors_keep_exit_64(tmp_path):
    result = run_cli(["render", str(BYBIT), "--out", str(tmp_path / "x.jpg")])
    assert result.code == USAGE_EXIT and "usage error" in result.stderr
    assert run_cli(["verify"]).code == USAGE_EXIT
