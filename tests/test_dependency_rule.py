"""DESIGN.md's dependency rule: the pure core never reaches Qt, cameras or the network.

Checked two ways: statically over every import statement in the packages (catches imports
inside functions too), and dynamically by importing every module in a fresh interpreter and
looking at what ended up in sys.modules.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_EVERYWHERE = {
    "PySide6", "shiboken6", "cv2", "zxingcpp", "web3", "requests", "aiohttp", "websockets", "socket",
    "http", "urllib.request", "urllib3", "ssl", "safe_eth", "asyncio",
}
FORBIDDEN_BY_PACKAGE = {"decoders": {"policies", "app"}, "policies": {"app"}}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _is_forbidden(module: str, forbidden: set[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in forbidden)


@pytest.mark.parametrize("package", sorted(FORBIDDEN_BY_PACKAGE))
def test_no_forbidden_import_statements(package):
    forbidden = FORBIDDEN_EVERYWHERE | FORBIDDEN_BY_PACKAGE[package]
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in _imports(path)
        if _is_forbidden(module, forbidden)
    ]
    assert offenders == []


def test_checker_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    import socket\n    from PySide6 import QtCore\n")
    names = [module for _, module in _imports(bad)]
    assert [m for m in names if _is_forbidden(m, FORBIDDEN_EVERYWHERE)] == ["socket", "PySide6"]


def test_nothing_forbidden_is_loaded_at_run_time():
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in FORBIDDEN_BY_PACKAGE
        for path in (ROOT / package).rglob("*.py")
    )
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    # The stdlib `socket` module itself is loaded by importlib.metadata -> email.utils (used by
    # eth-utils for its version); loading it opens nothing. Network *clients* must never load,
    # and app/offline_guard.py makes socket creation itself raise in the shipped app.
    forbidden = (FORBIDDEN_EVERYWHERE - {"socket"}) | {"app"}
    assert [m for m in loaded if _is_forbidden(m, forbidden)] == []
