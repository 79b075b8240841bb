"""The Safe's storage layout, per version, and how to name a written slot.

Slots 0-8 are the order of state variables in the contracts (Singleton/MasterCopy, ModuleManager,
OwnerManager, then GnosisSafe/Safe; written out in safe-smart-account v1.4.1
contracts/libraries/SafeStorage.sol and unchanged since v1.0.0 contracts/GnosisSafe.sol).
The others are fixed hashed slots named in the contracts.
"""

from __future__ import annotations

from ..hexutil import keccak, to_checksum

SINGLETON, MODULES, OWNERS, OWNER_COUNT, THRESHOLD, NONCE, DOMAIN_SEPARATOR, SIGNED_MESSAGES, APPROVED_HASHES = range(9)
# keccak256("guard_manager.guard.address"), base/GuardManager.sol since v1.3.0
GUARD_SLOT = 0x4A204F620C8C5CCDCA3FD54D003BADD85BA500436A431F0CBDA4F558C93C34C8
# keccak256("fallback_manager.handler.address"), base/FallbackManager.sol since v1.1.0
FALLBACK_HANDLER_SLOT = 0x6C9A6C4A39284E37ED1CF53D337577D14212A4870FB976A4366C693B939918D5
# keccak256("module_manager.module_guard.address"), base/ModuleManager.sol since v1.5.0
MODULE_GUARD_SLOT = 0xB104E0B93118902C651344349B610029D694CFDEC91C589C91EBAFBCD0289947
SENTINEL = 1  # SENTINEL_OWNERS / SENTINEL_MODULES = address(0x1)
# keccak256("EIP712Domain(address verifyingContract)"): GnosisSafe 1.0.0-1.2.0 DOMAIN_SEPARATOR_TYPEHASH,
# stored in slot 6 by setup(); later versions compute the separator from chainid instead.
LEGACY_DOMAIN_TYPEHASH = bytes.fromhex("035aff83d86937d35b32e04f0ddc6ff469290eef2f1b692d8a815c89404d4749")

_FIXED_NAMES = {
    SINGLETON: "singleton", OWNER_COUNT: "ownerCount", THRESHOLD: "threshold", NONCE: "nonce",
    DOMAIN_SEPARATOR: "domainSeparator", GUARD_SLOT: "guard", FALLBACK_HANDLER_SLOT: "fallbackHandler",
    MODULE_GUARD_SLOT: "moduleGuard",
}


def mapping_slot(key: int, base: int) -> int:
    """Solidity's slot for mapping[key] at declaration slot `base`: keccak(key . base)."""
    return int.from_bytes(keccak(key.to_bytes(32, "big") + base.to_bytes(32, "big")), "big")


def _address_word(word: int) -> str:
    return to_checksum(word.to_bytes(32, "big")[12:]) if word < 1 << 160 else hex(word)


def name_slot(slot: int, preimages: dict[int, tuple[int, int]]) -> str | None:
    """A readable name for `slot`; `preimages` maps keccak outputs to (key, base) seen during the run."""
    if slot in _FIXED_NAMES:
        return _FIXED_NAMES[slot]
    found = preimages.get(slot)
    if found is None:
        return None
    key, base = found
    if base == OWNERS:
        return f"owners[{_address_word(key)}]"
    if base == MODULES:
        return f"modules[{_address_word(key)}]"
    if base == SIGNED_MESSAGES:
        return f"signedMessages[0x{key:064x}]"
    outer = preimages.get(base)
    if outer is not None and outer[1] == APPROVED_HASHES:
        return f"approvedHashes[{_address_word(outer[0])}][0x{key:064x}]"
    return None
