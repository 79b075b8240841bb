"""The bundled Safe bytecode (decoders/data/bytecode/safe_bytecode.json) and where each contract lives.

The data file holds code only; addresses come from the bundled safe-deployments data through
decoders.deployments, restricted to the deployment types whose code is the same everywhere
(canonical, eip155): zkSync deployments run different bytecode and are never used here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..data import load_json
from ..deployments import PORTABLE_TYPES, by_label
from ..errors import ColdsightError

DATA_FILE = "bytecode/safe_bytecode.json"


@dataclass(frozen=True)
class BundledContract:
    name: str       # as the package names it, e.g. "GnosisSafeL2"
    version: str    # Safe release, e.g. "1.3.0"
    kind: str       # "singleton", "singleton_l2", "proxy", "library"
    package: str    # npm package@version it was taken from
    path: str       # artifact path inside the package
    form: str       # "runtime" or "creation" (creation: has immutables, deploy at the address)
    code: bytes
    args: bytes = b""  # ABI-encoded constructor arguments, appended to creation code

    def addresses(self, chain_id: int | None) -> tuple[str, ...]:
        """Checksummed addresses where this exact code is deployed on `chain_id` (empty for proxies)."""
        return tuple(sorted({c.address for c in by_label(self.name, self.version, chain_id)
                             if c.deployment_type in PORTABLE_TYPES}))

    def preferred_address(self, chain_id: int | None) -> str | None:
        """The canonical deployment's address if the chain has it, else the eip155 one."""
        found = {c.deployment_type: c.address for c in by_label(self.name, self.version, chain_id)}
        return found.get("canonical") or found.get("eip155")


@cache
def bundled() -> tuple[BundledContract, ...]:
    data = load_json(DATA_FILE)
    where = f"decoders/data/{DATA_FILE}"
    try:
        return tuple(BundledContract(c["name"], c["version"], c["kind"], c["package"], c["path"], c["form"],
                                     bytes.fromhex(c["code"][2:]), bytes.fromhex(c.get("args", "0x")[2:]))
                     for c in data["contracts"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ColdsightError(f"unexpected structure ({exc!r})", where,
                             "reinstall Coldsight; the bundled data is damaged") from None


# Safe 1.2.0 has no proxy factory of its own: its Safes were created by ProxyFactory 1.1.1
# (safe-deployments lists no 1.2.0 factory), so they hold the 1.1.1 proxy code.
PROXY_VERSION = {"1.2.0": "1.1.1"}


def find(version: str, kind: str) -> BundledContract | None:
    if kind == "proxy":
        version = PROXY_VERSION.get(version, version)
    return next((c for c in bundled() if c.version == version and c.kind == kind), None)


def libraries() -> tuple[BundledContract, ...]:
    return tuple(c for c in bundled() if c.kind == "library")


def available_versions() -> tuple[str, ...]:
    """Exact version labels with a bundled singleton and proxy, oldest first."""
    labels = []
    for c in bundled():
        if c.kind in ("singleton", "singleton_l2") and find(c.version, "proxy") is not None:
            labels.append((tuple(int(p) for p in c.version.split(".")), c.kind == "singleton_l2",
                           c.version + ("+L2" if c.kind == "singleton_l2" else "")))
    return tuple(label for *_, label in sorted(labels))
