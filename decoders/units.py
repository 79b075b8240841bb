"""Human-readable amounts: raw integers shown with their decimals, never rounded away."""


def format_units(amount: int, decimals: int) -> str:
    """`1500000, 6 -> "1.5"`; exact (no float), trailing zeros dropped."""
    whole, fraction = divmod(amount, 10**decimals) if decimals else (amount, 0)
    if not fraction:
        return f"{whole:,}"
    digits = str(fraction).rjust(decimals, "0").rstrip("0")
    return f"{whole:,}.{digits}"


# Native coin symbols by chain id (ethereum-lists/chains, nativeCurrency.symbol).
NATIVE_SYMBOL = {1: "ETH", 10: "ETH", 56: "BNB", 100: "xDAI", 137: "POL", 324: "ETH", 8453: "ETH", 42161: "ETH",
                 43114: "AVAX", 59144: "ETH", 534352: "ETH", 11155111: "ETH", 81457: "ETH", 130: "ETH",
                 42220: "CELO", 1101: "ETH", 5000: "MNT"}


def native_symbol(chain_id: int | None) -> str:
    """The chain's coin by name (ETH on chain 1); "native coin" only for a chain not listed."""
    return NATIVE_SYMBOL.get(chain_id or 0, "native coin")


def format_native(wei: int, chain_id: int | None = None) -> str:
    """`2 ETH`: the chain's coin by name (the exact wei stay in the call's value, one click away)."""
    return f"{format_units(wei, 18)} {native_symbol(chain_id)}"
