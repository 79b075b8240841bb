"""The gas refund a Safe transaction makes the Safe pay, and its largest possible amount.

From the sources of `execTransaction` / `handlePayment` (safe-smart-account v0.1.0 … v1.5.0):

    refund only when gasPrice > 0
    receiver = refundReceiver, or tx.origin (whoever executes) when it is 0x0
    amount   = (gasUsed + baseGas) * price
    price    = gasPrice for a token; for the native coin min(gasPrice, tx.gasprice) from 1.1.0 on,
               gasPrice itself in 0.1.0 and 1.0.0 (so the native maximum is always at gasPrice)
    gasUsed  = gas measured around `execute(...)` (1.0.0 on): the inner call gets exactly
               safeTxGas when gasPrice > 0, plus the overhead of the measured window (copying
               `data` to memory, the CALL itself: cold account, value transfer, new account).
               0.1.0 measures from the start of execTransaction, signature checks (including
               contract signatures, which run arbitrary code) and the payment included: the
               executor decides how much gas that is, so there is no bound.

Nothing else about the refund differs between versions: 1.2.0 changed the gas check before the
call, 1.3.0 added the guard call (outside the measured window) and GS013 (only for gasPrice 0).
The token amount is in the token's raw units; its decimals are not known offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .findings import Finding
from .hexutil import short_address
from .safetx import ZERO_ADDRESS, Context, HashFamily, SafeTx
from .tokens import token_at
from .units import format_native, format_units, native_symbol
from .vocabulary import FindingCode, Severity

# Gas of the measured window beyond safeTxGas, not counting memory: CALL to a cold account (2,600,
# EIP-2929) + value transfer (9,000) + new account (25,000) + the Solidity around it (generous).
EXEC_OVERHEAD_GAS = 40_000
# Memory already in use before `data` is copied (hash preimages, signatures): assumed at most 64 KiB.
MEMORY_IN_USE_WORDS = 2048
# A native refund above this is critical: 0.1 coin pays 1,000,000 gas at 100 gwei, more than a
# Safe transaction costs to execute. A signed policy's [refund] table may allow more.
NATIVE_REFUND_LIMIT_WEI = 10**17


def _memory_gas(words: int) -> int:
    return 3 * words + words * words // 512  # the yellow paper's C_mem


def window_overhead_gas(data_length: int) -> int:
    """Upper bound of the gas the measured window adds to safeTxGas for `data_length` bytes of data."""
    words = (data_length + 31) // 32
    return EXEC_OVERHEAD_GAS + 3 * words + _memory_gas(MEMORY_IN_USE_WORDS + 2 * words + 2)


@dataclass(frozen=True)
class Refund:
    token: str  # 0x0 for the native coin
    receiver: str | None  # None: whoever executes (tx.origin)
    gas_price: int
    max_gas: int | None  # None: no bound (Safe 0.1.0)
    max_amount: int | None  # raw units of `token`; None: no bound
    decimals: int | None  # 18 for the native coin; a token's only when given
    symbol: str | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def native(self) -> bool:
        return self.token == ZERO_ADDRESS

    @property
    def receiver_is_executor(self) -> bool:
        return self.receiver is None

    def amount_text(self, amount: int | None = None) -> str:
        amount = self.max_amount if amount is None else amount
        if amount is None:
            return "no upper bound"
        if self.native:
            return f"{format_units(amount, 18)} {self.symbol or 'native coin'}"
        if self.decimals is not None:
            return f"{format_units(amount, self.decimals)} {self.symbol or 'tokens'}"
        return f"{amount:,} raw units of token {self.token} (decimals unknown)"

    @property
    def display(self) -> str:
        whom = "whoever executes the transaction" if self.receiver is None else self.receiver
        return f"Gas refund: up to {self.amount_text()} paid to {whom}"

    def as_json(self) -> dict:
        return {
            "token": self.token,
            "native": self.native,
            "receiver": self.receiver,
            "receiverIsExecutor": self.receiver_is_executor,
            "gasPrice": str(self.gas_price),
            "maxGas": str(self.max_gas) if self.max_gas is not None else None,
            "maxAmount": str(self.max_amount) if self.max_amount is not None else None,
            "decimals": self.decimals,
            "display": self.display,
            "notes": list(self.notes),
        }


def read_refund(tx: SafeTx, context: Context, token_decimals: dict[str, tuple[str, int]] | None = None) -> Refund | None:
    """The refund `tx` pays, or None when gasPrice is 0. `token_decimals`: lowercase address -> (symbol, decimals)."""
    if tx.gas_price == 0:
        return None
    native = tx.gas_token == ZERO_ADDRESS
    listed = None if native else token_at(context.chain_id, tx.gas_token)
    known = (listed.symbol, listed.decimals) if listed is not None else (None, None)
    symbol, decimals = (native_symbol(context.chain_id), 18) if native else \
        (token_decimals or {}).get(tx.gas_token.lower(), known)
    notes = []
    if context.version.family is HashFamily.DATAGAS_NO_CHAIN:
        max_gas = None
        notes.append("Safe 0.1.0 refunds all gas from the start of execution, signature checks included: "
                     "the executor decides how much that is")
    else:
        max_gas = tx.safe_tx_gas + window_overhead_gas(len(tx.data)) + tx.base_gas
    if native and context.version.at_least("1.1.0") is not True:
        notes.append("before Safe 1.1.0 the native refund is paid at gasPrice even when the executor pays less gas "
                     "price: the difference is the executor's profit")
    if tx.safe_tx_gas == 0:
        notes.append("safeTxGas is 0 with a refund: the call gets no gas and fails (a plain native transfer aside), "
                     "yet the Safe still pays the refund and the nonce is used")
    return Refund(
        token=tx.gas_token,
        receiver=None if tx.refund_receiver == ZERO_ADDRESS else tx.refund_receiver,
        gas_price=tx.gas_price,
        max_gas=max_gas,
        max_amount=None if max_gas is None else max_gas * tx.gas_price,
        decimals=decimals,
        symbol=symbol,
        notes=tuple(notes),
    )


def refund_findings(tx: SafeTx, context: Context, refund: Refund | None) -> list[Finding]:
    """GAS_REFUND: critical when the refund can exceed a sane fee, see README "Findings"."""
    if refund is None:
        if tx.gas_token != ZERO_ADDRESS or tx.refund_receiver != ZERO_ADDRESS:
            return [Finding(FindingCode.GAS_REFUND, Severity.INFO, "0", "gasToken or refundReceiver is set but gasPrice is 0, so no refund is paid")]
        return []
    what = f"The Safe pays a gas refund of up to {refund.amount_text()}"
    if refund.receiver is not None and refund.receiver == context.safe:
        return [Finding(FindingCode.GAS_REFUND, Severity.INFO, "0", f"{what} to itself: nothing leaves the Safe")]
    if refund.receiver is not None:
        return [Finding(FindingCode.GAS_REFUND, Severity.CRITICAL, "0",
                        f"{what} to the fixed address {refund.receiver} (gasPrice {tx.gas_price}, baseGas {tx.base_gas}, "
                        f"safeTxGas {tx.safe_tx_gas}): refunds to a fixed address can drain funds")]
    if not refund.native:
        return [Finding(FindingCode.GAS_REFUND, Severity.CRITICAL, "0",
                        f"{what} in token {short_address(refund.token)} to whoever executes it: a token refund's worth "
                        "cannot be judged offline")]
    if refund.max_amount is None or refund.max_amount > NATIVE_REFUND_LIMIT_WEI:
        return [Finding(FindingCode.GAS_REFUND, Severity.CRITICAL, "0",
                        f"{what} to whoever executes it, more than {format_native(NATIVE_REFUND_LIMIT_WEI, context.chain_id)}: "
                        "far above what executing a Safe transaction costs")]
    return [Finding(FindingCode.GAS_REFUND, Severity.WARN, "0", f"{what} to whoever executes it")]
