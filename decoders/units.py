"""Human-readable amounts: raw integers shown with their decimals, never rounded away."""


def format_units(amount: int, decimals: int) -> str:
    """`1500000, 6 -> "1.5"`; exact (no float), trailing zeros dropped."""
    whole, fraction = divmod(amount, 10**decimals) if decimals else (amount, 0)
    if not fraction:
        return f"{whole:,}"
    digits = str(fraction).rjust(decimals, "0").rstrip("0")
    return f"{whole:,}.{digits}"


def format_native(wei: int) -> str:
    return f"{format_units(wei, 18)} native coin ({wei} wei)"
