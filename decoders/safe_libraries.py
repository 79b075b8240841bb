"""What canonical Safe libraries really do when the Safe delegatecalls them, beyond their own code.

SafeMigration (safe-smart-account contracts/libraries/SafeMigration.sol, v1.5.0) is delegatecalled
by a Safe to change its implementation. Its functions write the singleton slot directly, and the
`…WithFallbackHandler` ones then make one documented call, from the Safe to the Safe itself:

    migrateWithFallbackHandler()   = migrateSingleton();   ISafe(address(this)).setFallbackHandler(SAFE_FALLBACK_HANDLER)
    migrateL2WithFallbackHandler() = migrateL2Singleton(); ISafe(address(this)).setFallbackHandler(SAFE_FALLBACK_HANDLER)

SAFE_SINGLETON, SAFE_L2_SINGLETON and SAFE_FALLBACK_HANDLER are constructor immutables of each
deployment. For the canonical 1.5.0 deployment they are the 1.5.0 Safe, SafeL2 and
CompatibilityFallbackHandler of safe-deployments v1.5.0 (the addresses below); tests/recursive
checks them against what executing the bundled deployed bytecode writes and calls. A deployment not
in this table (the 1.4.1 one, whose bytecode is not bundled) gets no claimed target: its intent says
the target is fixed in its code and was not verified offline.

The call tree shows the self-call as a child of the delegatecall (like CreateCall's creation): it is
the library's real behaviour, so the EVM check compares it and the static rules judge it
(`FALLBACK_HANDLER_CHANGE`), instead of the execution finding a call the tree does not show.
"""

from __future__ import annotations

from dataclasses import dataclass

from .deployments import ContractKind, KnownContract
from .hexutil import keccak

SET_FALLBACK_HANDLER = keccak(b"setFallbackHandler(address)")[:4]
WITH_FALLBACK_HANDLER = frozenset({"migrateWithFallbackHandler", "migrateL2WithFallbackHandler"})
L2_FUNCTIONS = frozenset({"migrateL2Singleton", "migrateL2WithFallbackHandler"})


@dataclass(frozen=True)
class MigrationTargets:
    version: str
    singleton: str
    singleton_l2: str
    fallback_handler: str


# Canonical SafeMigration deployments -> their immutables (safe-deployments v1.5.0: safe.json,
# safe_l2.json, compatibility_fallback_handler.json, safe_migration.json, "canonical" addresses).
SAFE_MIGRATIONS = {
    "0x6439e7abd8bb915a5263094784c5cf561c4172ac": MigrationTargets(
        "1.5.0", "0xFf51A5898e281Db6DfC7855790607438dF2ca44b", "0xEdd160fEBBD92E350D4D398fb636302fccd67C7e",
        "0x3EfCBb83A4A7AfcB4F68D501E2c2203a38be77f4"),
}


def migration_targets(target: KnownContract | None, address: str) -> MigrationTargets | None:
    """The verified targets of the SafeMigration deployment at `address`, or None when unknown."""
    if target is None or target.kind is not ContractKind.SAFE_MIGRATION:
        return None
    return SAFE_MIGRATIONS.get(address.lower())


def migration_self_call(function_name: str, targets: MigrationTargets | None) -> bytes | None:
    """Call data of the documented self-call a `…WithFallbackHandler` migration makes, or None."""
    if targets is None or function_name not in WITH_FALLBACK_HANDLER:
        return None
    return SET_FALLBACK_HANDLER + bytes(12) + bytes.fromhex(targets.fallback_handler[2:])
