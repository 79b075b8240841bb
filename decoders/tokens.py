"""The bundled token list: which ERC-20 token (symbol, decimals) lives at an address on a chain.

Data: decoders/data/tokens.json (source, licence and regeneration in the file; tools/gen_tokens.py).
A token is known only on the chain it is listed for: the same address elsewhere may be anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .data import load_json
from .errors import ColdsightError

DATA_FILE = "tokens.json"


@dataclass(frozen=True)
class Token:
    chain_id: int
    address: str  # EIP-55, as listed
    symbol: str
    decimals: int


@cache
def _index() -> dict[tuple[int, str], Token]:
    data = load_json(DATA_FILE)
    where = f"decoders/data/{DATA_FILE}"
    index: dict[tuple[int, str], Token] = {}
    try:
        for chain, rows in data["tokens"].items():
            for address, (symbol, decimals) in rows.items():
                if not isinstance(symbol, str) or not isinstance(decimals, int) or not 0 <= decimals <= 77:
                    raise ValueError(f"bad entry for {address} on chain {chain}")
                index[(int(chain), address.lower())] = Token(int(chain), address, symbol, decimals)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ColdsightError(f"bundled token list is corrupt: {exc}", where,
                             "reinstall Coldsight; the installation is damaged") from None
    return index


def token_at(chain_id: int | None, address: str) -> Token | None:
    """The listed token at `address` on `chain_id` (None without a chain id: never guessed)."""
    if chain_id is None:
        return None
    return _index().get((chain_id, address.lower()))


@cache
def tokens_on(chain_id: int) -> tuple[Token, ...]:
    return tuple(token for (chain, _), token in _index().items() if chain == chain_id)


def source() -> str:
    return str(load_json(DATA_FILE)["source"])
