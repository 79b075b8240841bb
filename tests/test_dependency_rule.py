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
FORBIDDEN_BY_PACKAGE = {"decoders": {"policies", "app", "courier"}, "policies": {"app", "courier"}}
# The online courier (courier/) may use the network; nothing on the air-gapped side may reach it.
AIR_GAPPED = ("decoders", "policies", "app")


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
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, capture_output=True,
                                       text=True).stdout)
    # The stdlib `socket` module itself is loaded by importlib.metadata -> email.utils (used by
    # eth-utils for its version); loading it opens nothing. Network *clients* must never load,
    # and app/offline_guard.py makes socket creation itself raise in the shipped app.
    forbidden = (FORBIDDEN_EVERYWHERE - {"socket"}) | {"app"}
    assert [m for m in loaded if _is_forbidden(m, forbidden)] == []


@pytest.mark.parametrize("package", AIR_GAPPED)
def test_nothing_air_gapped_imports_the_courier(package):
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in _imports(path)
        if _is_forbidden(module, {"courier"})
    ]
    assert offenders == []


def test_courier_imports_web3_lazily():
    """`coldsight-courier --help` and the courier's modules load without web3 (the optional extra)."""
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'web3' or name.startswith('web3.'):\n"
        "            raise ImportError('web3 blocked by the test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import courier.cli, courier.chain, courier.crosscheck, courier.execute, courier.service_api, courier.transport\n"
        "import courier.propose, courier.listing\n"
        "from courier.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as done:\n    assert done.code == 0\n"
        "assert not any(m == 'web3' or m.startswith('web3.') for m in sys.modules)\n"
        "from courier.chain import Chain\n"
        "try:\n    Chain('http://127.0.0.1:1')\nexcept Exception as err:\n    print(type(err).__name__, err)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "CourierError" in done.stdout and "pip install -e '.[online]'" in done.stdout
