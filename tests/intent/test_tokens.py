"""Every bundled mainnet token: a transfer reads "Send <amount> <SYMBOL> to …" in the list's own units.

Expected symbol and decimals come from decoders/data/tokens.json read as plain JSON here, and the
amount is formatted by this test with `decimal` (not by decoders.units)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from decoders import tokens
from decoders.hexutil import to_checksum
from tests.builders import address, erc20_transfer

from .helpers import intent_text, review

DATA = json.loads((Path(__file__).resolve().parents[2] / "decoders" / "data" / "tokens.json").read_text())
MAINNET = sorted(DATA["tokens"]["1"].items())
RECIPIENT = address("intent-recipient")


def expected_units(raw: int, decimals: int) -> str:
    """`raw / 10**decimals` with thousands separators and no trailing zeros, by decimal arithmetic."""
    text = format(Decimal(raw).scaleb(-decimals), "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    grouped = f"{int(whole):,}"
    return f"{grouped}.{fraction}" if fraction else grouped


def test_list_is_well_formed():
    assert len(MAINNET) > 300
    for chain, rows in DATA["tokens"].items():
        assert int(chain) > 0
        for token_address, (symbol, decimals) in rows.items():
            assert re.fullmatch(r"0x[0-9a-fA-F]{40}", token_address)
            assert to_checksum(bytes.fromhex(token_address[2:])) == token_address, token_address
            assert symbol and isinstance(decimals, int) and 0 <= decimals <= 36
    assert "GPL" in DATA["licence"] and "uniswap" in DATA["source"]


@pytest.mark.parametrize("token_address,row", MAINNET, ids=[f"{row[0]}-{a[:10]}" for a, row in MAINNET])
def test_transfer_shows_symbol_and_amount(token_address, row):
    symbol, decimals = row
    raw = 150_000 * 10**decimals + (7 * 10 ** (decimals - 2) if decimals >= 2 else 3)
    report = review(token_address, erc20_transfer(RECIPIENT, raw))
    intent = report.intents["0"]
    assert f"{expected_units(raw, decimals)} {symbol}" in intent.text, intent
    assert f"{RECIPIENT[:6]}…{RECIPIENT[-4:]} (unknown)" in intent.text  # the recipient is in no book
    assert str(raw) in dict(intent.raw).values()
    if intent.source == "template:transfer":
        assert intent.text.startswith(f"Send {expected_units(raw, decimals)} {symbol} to "), intent
    else:  # a token with its own ERC-7730 descriptor (WCT, wstETH) speaks its descriptor's words
        assert intent.source.startswith("erc7730:registry/"), intent


def test_same_token_on_another_chain_is_not_guessed():
    usdc = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # mainnet USDC; not a token on chain 100
    assert tokens.token_at(1, usdc) is not None
    text = intent_text(review(usdc, erc20_transfer(RECIPIENT, 10**6), chain_id=100))
    assert "1000000 raw units of unknown token 0xA0b8…eB48" in text


def test_gnosis_supplement_is_known():
    text = intent_text(review("0xDDAfbb505ad214D7b80b1f830fcCc89B60fb7A83", erc20_transfer(RECIPIENT, 2_500_000),
                              chain_id=100))
    assert text.startswith("Send 2.5 USDC to ")
