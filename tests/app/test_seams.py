"""The seams between core, policy and front ends, checked over the source (issue 14):
argparse stays in `app/cmd_*.py` (and the parser in cli.py); options travel as the typed
`ReviewOptions`; no front end reads the policy result through getattr/hasattr or `report.policy`."""

import ast
import re
from pathlib import Path

from tests.conftest import REPO_ROOT

APP = REPO_ROOT / "app"
COMMANDS = {path for path in APP.glob("cmd_*.py")}
ARGPARSE_ALLOWED = COMMANDS | {APP / "cli.py"}


def app_modules() -> list[Path]:
    return sorted(path for path in APP.rglob("*.py") if "__pycache__" not in path.parts)


def calls_named(tree: ast.AST, *names: str):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            yield node


def test_argparse_only_in_the_command_modules():
    for path in app_modules():
        if path in ARGPARSE_ALLOWED:
            continue
        tree = ast.parse(path.read_text(), str(path))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert "argparse" not in imported, f"{path.relative_to(REPO_ROOT)} imports argparse"


def test_no_getattr_on_arguments_options_or_policy_results_outside_commands():
    """A misspelt option must be an AttributeError, not a silent None; the policy result is typed."""
    suspicious = {"args", "options", "policy", "report", "call", "review"}
    for path in app_modules():
        if path in COMMANDS:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in calls_named(tree, "getattr", "hasattr"):
            target = node.args[0] if node.args else None
            name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else None
            assert name not in suspicious, f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {ast.unparse(node)}"


def test_front_ends_read_the_typed_policy_result_not_report_policy():
    """Only the service attaches the policy to the core Report; front ends use Review.policy."""
    for path in app_modules():
        if path.name == "service.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "policy" and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "report":
                raise AssertionError(f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {ast.unparse(node)}")
            if isinstance(node, ast.Attribute) and node.attr == "policy" and isinstance(node.value, ast.Name) \
                    and node.value.id == "report":
                raise AssertionError(f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {ast.unparse(node)}")


def test_one_scan_progress_and_one_state_directory_resolver():
    """Drifted copies stay removed: one ScanProgress class, one place that reads the state dir."""
    progress_classes, state_readers = [], []
    for path in app_modules():
        source = path.read_text()
        tree = ast.parse(source, str(path))
        progress_classes += [path.name for node in ast.walk(tree)
                             if isinstance(node, ast.ClassDef) and node.name == "ScanProgress"]
        if re.search(r"environ[^\n]*(COLDSIGHT_STATE_DIR|XDG_STATE_HOME)", source):
            state_readers.append(path.name)
    assert progress_classes == ["scan.py"]
    assert state_readers == []  # app.service.state_dir delegates to the policy engine's resolver


def test_the_report_is_immutable_and_policy_free():
    """The core's Report is complete when made (every stage that adds findings runs before it) and holds
    no policy: no `object`-typed seam is left between the core and the policy engine."""
    import dataclasses
    import typing

    import pytest

    from app.service import MessageItem, Review
    from decoders.report import Report
    from tests.conftest import REPO_ROOT as ROOT

    assert Report.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert "policy" not in {field.name for field in dataclasses.fields(Report)}
    for cls in (Report, Review, MessageItem):
        hints = typing.get_type_hints(cls)
        assert all(hint is not object and hint != (object | None) for hint in hints.values()), cls
    from decoders.formats import parse_bytes
    from decoders.verify import verify_payload

    path = ROOT / "tests" / "corpus" / "benign-eth-transfer.json"
    report = verify_payload(parse_bytes(path.read_bytes(), str(path)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings = []  # type: ignore[misc]
