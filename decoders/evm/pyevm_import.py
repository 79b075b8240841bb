"""Import py-evm without the two things the oracle never needs but would pay for.

* `py_ecc` (pairing-curve arithmetic for precompiles 0x06-0x08 and BLS12-381): py-evm imports it
  eagerly and it computes constants at import, about 300 ms of the start-up. Safe and library code
  never calls those precompiles; when a transaction does, `real_curve_arithmetic` loads the real
  package then and rebinds py-evm's curve modules to it, so the precompile computes for real.
* `cached_property` (a py-evm dependency) imports asyncio, which the dependency rule keeps out of
  `decoders`; functools.cached_property does the same job for py-evm's synchronous properties.

Both stand-ins exist only while py-evm is being imported: afterwards they are removed from
sys.modules, so anything imported later gets the real packages. If py-evm or py_ecc is already
loaded (e.g. in a test process), nothing is replaced.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
import importlib


class _Inert:
    """Stands in for every py_ecc name: absorbs calls, attributes and arithmetic done at import time."""

    def __call__(self, *args: object, **kwargs: object) -> _Inert:
        return self

    def __getattr__(self, name: str) -> _Inert:
        return self

    def __getitem__(self, item: object) -> _Inert:
        return self

    def __mro_entries__(self, bases: tuple) -> tuple:
        return (object,)

    def _same(self, *other: object) -> _Inert:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __floordiv__ = _same
    __mod__ = __pow__ = __neg__ = _same


_INERT = _Inert()


class _InertLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(spec.name, "stand-in while importing py-evm (decoders/evm/pyevm_import.py)")
        module.__path__ = []
        module.__getattr__ = lambda name: _INERT  # type: ignore[method-assign]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _InertFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name == "py_ecc" or name.startswith("py_ecc."):
            return importlib.machinery.ModuleSpec(name, _InertLoader(), is_package=True)
        return None


@contextmanager
def stand_ins() -> Iterator[None]:
    if "eth.vm" in sys.modules:
        yield
        return
    finder = _InertFinder()
    sys.meta_path.insert(0, finder)
    shim_added = "cached_property" not in sys.modules
    if shim_added:
        shim = types.ModuleType("cached_property", "functools.cached_property, for py-evm's import")
        shim.cached_property = functools.cached_property  # type: ignore[attr-defined]
        sys.modules["cached_property"] = shim
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n, m in sys.modules.items()
                     if (n == "py_ecc" or n.startswith("py_ecc.")) and isinstance(getattr(m.__spec__, "loader", None), _InertLoader)]:
            del sys.modules[name]
        if shim_added:
            del sys.modules["cached_property"]


_CURVE_MODULES = ("eth._utils.bn128", "eth.precompiles.ecadd", "eth.precompiles.ecmul", "eth.precompiles.ecpairing")


def real_curve_arithmetic() -> None:
    """Make py-evm's alt_bn128 precompiles (0x06-0x08) compute with the real py_ecc, once per process.

    Reloading re-runs those modules in their own namespace, so the functions py-evm's precompile table
    already holds see the real `py_ecc` from then on. The real package is imported first (the stand-in
    finder is gone once py-evm is imported)."""
    if not any(isinstance(getattr(sys.modules.get(name), "bn128", None), _Inert) for name in _CURVE_MODULES):
        return
    for name in [n for n, m in sys.modules.items() if (n == "py_ecc" or n.startswith("py_ecc."))
                 and isinstance(getattr(getattr(m, "__spec__", None), "loader", None), _InertLoader)]:
        del sys.modules[name]  # stand-ins still registered (never the real package)
    importlib.import_module("py_ecc.optimized_bn128")
    for name in _CURVE_MODULES:
        importlib.reload(sys.modules[name])

