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
