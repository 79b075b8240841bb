"""What the courier prints about a pending transaction beside its hash: the value it moves (native
coin, and ERC-20 transfers in the token's units), the intent line of each call (decoders/intent.py,
the offline review's own words), and queued transactions competing for one nonce.

Token symbols and decimals are asked from the token contract over JSON-RPC and said to be so: on
the online machine they only help a person read the queue; the offline review does not use them.
"""

from __future__ import annotations

from collections import defaultdict

from decoders.intent import NATIVE_SYMBOL
from decoders.report import Report
from decoders.units import format_units

from .chain import Chain, SafeState, selector
from .errors import CourierError
from .propose import token_units

TRANSFER = selector("transfer(address,uint256)")
MAX_CALLS_SHOWN = 12


def native_amount(wei: int, chain_id: int) -> str:
    return f"{format_units(wei, 18)} {NATIVE_SYMBOL.get(chain_id) or 'native coin'} ({wei} wei)"


def _token_amount(chain: Chain, token: str, raw: int) -> str:
    try:
        symbol, decimals = token_units(chain, token)
    except CourierError:
        return f"{raw} raw units of token {token} (it does not answer symbol()/decimals())"
    return f"{format_units(raw, decimals)} {symbol} ({raw} raw units; symbol and decimals as token {token} says)"


def describe_calls(report: Report, chain: Chain, state: SafeState) -> list[str]:
    """`value: …` and `intent: …` lines for the transaction and the calls of a batch it makes."""
    tx = report.payload.tx
    if tx.value == 0:
        lines = ["value: none (0 wei of native coin moves with this call)"]
    else:
        lines = [f"value: {native_amount(tx.value, state.chain_id)} from the Safe to {tx.to}"
                 + (" (as a DELEGATECALL: value is not sent)" if tx.operation == 1 else "")]
    nodes = [report.root, *report.root.children]
    for node in nodes[:MAX_CALLS_SHOWN]:
        prefix = "" if node is report.root else f"call {node.path}: "
        intent = report.intents.get(node.path)
        if intent is not None:
            lines.append(f"intent: {prefix}{intent.text}")
        if node.operation == 0 and len(node.data) == 68 and node.data[:4] == TRANSFER:
            to = "0x" + node.data[16:36].hex()
            raw = int.from_bytes(node.data[36:68], "big")
            lines.append(f"token: {prefix}{_token_amount(chain, node.to, raw)} to {chain.checksum(to)}")
        elif node is not report.root and node.value:
            lines.append(f"value: {prefix}{native_amount(node.value, state.chain_id)} to {node.to}")
    if len(nodes) > MAX_CALLS_SHOWN:
        lines.append(f"… and {len(nodes) - MAX_CALLS_SHOWN} more call(s): review them in full offline")
    return lines


def nonce_conflicts(reports: list[Report], state: SafeState) -> list[str]:
    """One line per nonce that more than one queued transaction uses: only one of them can execute."""
    by_nonce: dict[int, list[str]] = defaultdict(list)
    for report in reports:
        by_nonce[report.payload.tx.nonce].append("0x" + report.hashes.safe_tx.hex())
    lines = []
    for nonce, hashes in sorted(by_nonce.items()):
        if len(set(hashes)) > 1:
            lines.append(f"nonce {nonce} is used by {len(set(hashes))} queued transactions ({', '.join(sorted(set(hashes)))}): "
                         "only one can ever execute and it cancels the others; make sure the one your team meant is "
                         "the one being signed" + (" (this is the Safe's next nonce)" if nonce == state.nonce else ""))
    return lines
