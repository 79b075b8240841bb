"""Imports inside functions are kept for heavy modules only, so the dependency graph is readable.

A function-level import is allowed when it loads a heavy module: a heavy third-party package
(Qt, OpenCV, numpy, Pillow, py-evm and its trie, eth-keys, web3 / eth-account, zxing-cpp), or one
of our modules that imports one of those at module level (found here from the module-level
imports, transitively). Any other function-level import must be in ALLOWED with the reason it
cannot move to the top of its module: it breaks an import cycle, or it keeps start-up fast.
"""

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("decoders", "policies", "app", "courier")
HEAVY_THIRD_PARTY = {"PySide6", "cv2", "numpy", "PIL", "eth", "trie", "eth_keys", "web3", "eth_account", "zxingcpp"}
HEAVY_OURS = {"decoders.evm.pyevm_import"}  # loads py-evm through importlib, which the scan below cannot see

_STARTUP = "start-up: `coldsight --help` imports app.cli and every app.cmd_* to build the parser; commands load on use"
_CYCLE = "import cycle"
# (file, module) -> why the import stays inside a function.
ALLOWED: dict[tuple[str, str], str] = {
    **{(f"app/{name}.py", module): _STARTUP for name, modules in {
        "cli": ("app.service", "app.version_info"),
        "cmd_verify": ("app.payload_input", "app.service", "app.text_report", "argparse", "decoders.eip712",
                       "decoders.errors", "decoders.hexutil", "decoders.nested", "decoders.safetx"),
        "cmd_qr": ("app.boundary", "app.cmd_verify", "app.qr.encode", "app.qr.render", "app.service", "argparse",
                   "decoders.eip712"),
        "cmd_render": ("app.boundary", "app.cmd_verify", "app.service", "app.session", "decoders.errors"),
        "cmd_sign": ("app.boundary", "app.cmd_verify", "app.presentation", "app.qr.render", "app.service", "app.signing",
                     "app.text_report", "decoders.ur.ur"),
        "cmd_gui": ("app.cmd_verify",),
        "cmd_addressbook": ("app.addressbook_store", "app.service", "decoders.addressbook"),
        "cmd_policy": ("app.service", "dataclasses", "decoders.abi", "decoders.errors", "policies.diff", "policies.errors",
                       "policies.keystore", "policies.lint", "policies.load", "policies.signing", "policies.testing",
                       "policies.zodiac", "tomllib"),
        # the known-answer checks run before every command, not for --help; their modules load then
        "selftest": ("decoders.abi", "decoders.eip712", "decoders.hexutil", "decoders.safetx", "decoders.ur",
                     "decoders.verify", "os"),
    }.items() for module in modules},
    ("app/boundary.py", "app.version_info"): _STARTUP + " (the boundary is imported by app.cli)",
    ("app/version_info.py", "app.cli"): _CYCLE + ": app.cli imports app.version_info for --version",
    # `coldsight-courier --help` likewise: each sub-command loads its modules (and web3) on use.
    **{("courier/cli.py", module): "start-up: `coldsight-courier --help` builds every sub-command; they load on use"
       for module in ("courier.chain", "courier.crosscheck", "courier.execute", "courier.listing", "courier.propose",
                      "courier.service_api", "courier.snapshot", "courier.transport", "app.payload_input",
                      "app.qr.encode", "app.sanitize", "app.signing", "decoders.formats.tx_builder")},
    ("decoders/eip712_any.py", "decoders.typed_view"): _CYCLE + ": decoders.typed_view imports this module",
    ("decoders/erc7730.py", "decoders.intent"): _CYCLE + ": decoders.intent -> names -> erc7730",
    ("decoders/erc7730.py", "decoders.units"): _CYCLE + ": loaded with decoders.intent, its companion",
    ("decoders/formats/ur_format.py", "decoders.formats"): _CYCLE + ": decoders.formats loads this module on a UR",
    ("decoders/formats/__init__.py", "decoders.formats.ur_format"): "start-up: the UR codec loads when a UR arrives",
    **{("decoders/messages.py", module): "start-up: the UR codec loads when a UR arrives (as in decoders.formats)"
       for module in ("decoders.formats.ur_format", "decoders.ur.strict_cbor", "decoders.ur.eip4527")},
    **{(file, module): "start-up: the UR codec loads when a UR arrives (as in decoders.formats)"
       for file, module in (("app/service.py", "decoders.formats.ur_format"), ("app/service.py", "decoders.ur.eip4527"),
                            ("decoders/formats/executor_tx.py", "decoders.ur.eip4527"),
                            ("decoders/formats/executor_tx.py", "decoders.formats.ur_format"))},
    ("app/service.py", "app.state_input"): "start-up: the snapshot reader (and its UR codec) loads with a snapshot",
    ("app/payload_input.py", "app.qr.scan"): "start-up: the scanner's UR codec loads when a scan starts (the GUI's "
                                             "start screen loads none: tests/gui/test_render.py)",
    ("app/gui/main_window.py", "app.gui.sign_panel"): "start-up: signing loads when a review is decided (as above)",
    ("decoders/execution_check.py", "decoders.evm"): "the EVM engine: the heaviest import of the core, on first use",
    ("decoders/state/check.py", "decoders.evm.bytecode"): "the bundled bytecode tables load on first use",
    ("policies/evaluate.py", "policies.batch_rules"): _CYCLE + ": policies.batch_rules imports this module",
    ("policies/messages.py", "policies.schema"): _CYCLE + ": policies.schema imports this module",
    ("app/gui/scan_screen.py", "app.qr.errors"): "loaded with the scanner (numpy, zxing) when a scan starts",
    ("app/gui/scan_screen.py", "app.qr.scan"): "loaded with the scanner (numpy, zxing) when a scan starts",
    ("app/qr/sources.py", "app.qr.avi"): _CYCLE + ": app.qr.avi imports this module",
    ("app/qr/avi.py", "app.qr.sources"): _CYCLE + ": app.qr.sources imports this module (numpy besides)",
    **{("app/qr/v4l2.py", module): "POSIX only: the module is imported on every platform, cameras are read on Linux"
       for module in ("fcntl", "mmap", "select")},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The modules an ImportFrom may load: `from a import b` is a.b when b is a submodule, else a."""
    if node.level:
        base = module.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [target] + [f"{target}.{a.name}" for a in node.names]


def _imports(node: ast.AST, module: str, is_package: bool) -> list[list[str]]:
    if isinstance(node, ast.Import):
        return [[a.name] for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [_resolve(node, module, is_package)]
    return []


@cache
def _scan() -> tuple[dict[str, set[str]], list[tuple[str, int, list[str]]]]:
    """Module-level imports per module (outside `if TYPE_CHECKING`), and every function-level import."""
    top: dict[str, set[str]] = {}
    lazy: list[tuple[str, int, list[str]]] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module, is_package = _module_name(path), path.name == "__init__.py"
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found: set[str] = set()
            for node in tree.body:
                for names in _imports(node, module, is_package):
                    found.update(names)
                if isinstance(node, ast.Try):  # optional imports at module level
                    for inner in ast.walk(node):
                        for names in _imports(inner, module, is_package):
                            found.update(names)
            top[module] = found
            for func in ast.walk(tree):
                if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for node in ast.walk(func):
                        for names in _imports(node, module, is_package):
                            lazy.append((str(path.relative_to(ROOT)), node.lineno, names))
    return top, lazy


def _heavy_modules(top: dict[str, set[str]]) -> set[str]:
    """Our modules that load a heavy package when imported (module-level imports, transitively)."""
    heavy: set[str] = set(HEAVY_OURS)
    changed = True
    while changed:
        changed = False
        for module, imports in top.items():
            if module not in heavy and any(_is_heavy(name, heavy) for name in imports):
                heavy.add(module)
                changed = True
    return heavy


def _is_heavy(name: str, heavy: set[str]) -> bool:
    return name.split(".")[0] in HEAVY_THIRD_PARTY or name in heavy


def _unjustified() -> list[str]:
    top, lazy = _scan()
    heavy = _heavy_modules(top)
    bad = []
    for file, line, names in lazy:
        if any(_is_heavy(name, heavy) for name in names):
            continue
        # `from a import b`: the module is a.b when that is a module of ours, else a
        module = next((n for n in reversed(names[1:]) if n in top), names[0]) if len(names) > 1 else names[0]
        if (file, module) not in ALLOWED:
            bad.append(f"{file}:{line}: import of {module} inside a function")
    return bad


def test_function_level_imports_are_heavy_or_explained():
    bad = _unjustified()
    assert not bad, ("move these imports to the top of their module, or add them to ALLOWED with the reason "
                     "(an import cycle, or start-up time):\n" + "\n".join(bad))


def test_allowlist_has_no_stale_entries():
    top, lazy = _scan()
    used = set()
    for file, _, names in lazy:
        module = next((n for n in reversed(names[1:]) if n in top), names[0]) if len(names) > 1 else names[0]
        used.add((file, module))
    assert not [entry for entry in ALLOWED if entry not in used], "entries no longer needed; remove them"
