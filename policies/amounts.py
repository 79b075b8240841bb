"""Amounts as people write them in policies: `"5 ether"`, `"250000 USDC"`, `"1.5 gwei"`, `"0"`.

Exact integer arithmetic only (no floats): a fraction finer than the unit's decimals is an
error, never rounded, so a policy cannot say something other than what its author read.
"""

import re

from .errors import PolicyError

NATIVE_UNITS = {"wei": 0, "gwei": 9, "ether": 18}
UINT256_MAX = (1 << 256) - 1
_AMOUNT = re.compile(r"^\s*([0-9][0-9_]{0,90})(?:\.([0-9]{1,80}))?(?:\s+([A-Za-z][A-Za-z0-9.$_-]{0,31}))?\s*$")
_HEX_NUMBER = re.compile(r"^0x[0-9a-fA-F]{1,64}$")


def parse_amount(text: object, where: str, token_decimals: dict[str, int]) -> int:
    """A non-negative integer in base units. `token_decimals` maps address-book token symbols."""
    if isinstance(text, bool):
        raise PolicyError("expected an amount, got a boolean", where, 'write amounts as "5 ether", "250000 USDC" or "0"')
    if isinstance(text, int):
        if text < 0:
            raise PolicyError(f"negative amount {text}", where)
        return text
    if not isinstance(text, str):
        raise PolicyError(f"expected an amount string, got {type(text).__name__}", where,
                          'write amounts as "5 ether", "250000 USDC" or "0"')
    if _HEX_NUMBER.match(text.strip()):
        return int(text.strip(), 16)
    match = _AMOUNT.match(text)
    if not match:
        raise PolicyError(f"unparseable amount {text!r}", where,
                          'write an amount as digits with an optional unit: "5 ether", "1.5 gwei", "250000 USDC"')
    whole, fraction, unit = match.group(1).replace("_", ""), match.group(2) or "", match.group(3)
    if unit is None:
        if fraction:
            raise PolicyError(f"amount {text!r} has a fraction but no unit", where, 'say which unit, e.g. "1.5 ether"')
        decimals = 0
    elif unit in NATIVE_UNITS:
        decimals = NATIVE_UNITS[unit]
    elif unit in token_decimals:
        decimals = token_decimals[unit]
    else:
        known = sorted(NATIVE_UNITS) + sorted(token_decimals)
        raise PolicyError(f"unknown unit {unit!r} in amount {text!r}", where,
                          f"units are {', '.join(known)}; token symbols come from [addresses] entries with a token")
    if len(fraction.rstrip("0")) > decimals:
        raise PolicyError(f"amount {text!r} is finer than {unit} allows ({decimals} decimals)", where)
    value = int(whole) * 10**decimals + (int(fraction.ljust(decimals, "0")[:decimals]) if decimals else 0)
    if value > UINT256_MAX:
        raise PolicyError(f"amount {text!r} does not fit in uint256", where)
    return value
