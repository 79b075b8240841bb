"""One line per call saying what it does, in a signer's words: "Send 150,000 USDC to payroll (0x553b…9e5a)".

Built from the decoded call only (never from what the payload claims): an ERC-7730 descriptor when
one covers the contract and function (decoders/erc7730.py), else a built-in template for tokens,
Safe self-management and the functions the findings know, else a plain "Call f on X". Amounts are
shown in token units when the bundled token list knows the token; the raw values go along in
`Intent.raw` (the JSON `intent.raw`, the GUI's tooltip) so the exact number is one click away.

A delegatecall is never described as what its function name suggests: the target runs its own
code as this Safe, whatever the function is called (the Bybit transaction was a "transfer").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from . import erc7730, tokens, units
from .calls import CallNode
from .effects import UNLIMITED_FROM as _UNLIMITED_FROM
from .effects import Allowance, AssetMovement, Effects
from .hexutil import short_address
from .names import ZERO_ADDRESS, Names
from .safe_libraries import L2_FUNCTIONS, migration_targets
from .units import format_units

UNLIMITED_FROM = _UNLIMITED_FROM  # the one "unlimited" rule (decoders/effects.py)
MAX_UINT48 = (1 << 48) - 1
DEFAULT_ADMIN_ROLE = bytes(32)
TRUSTED_LIBRARY_KINDS = {"MULTISEND_CALL_ONLY", "MULTISEND", "SIGN_MESSAGE_LIB", "SAFE_MIGRATION"}

NATIVE_SYMBOL = units.NATIVE_SYMBOL  # (decoders.units: the one table)


@dataclass(frozen=True)
class Intent:
    text: str
    source: str  # "template:<what>", "erc7730:<descriptor file>" or "generic"
    raw: tuple[tuple[str, str], ...] = ()  # (what, exact value) behind every rounded or named number

    def as_json(self) -> dict:
        return {"text": self.text, "source": self.source, "raw": [{"name": k, "value": v} for k, v in self.raw]}


# -- words for values ----------------------------------------------------------------------------
def native_amount(wei: int, chain_id: int | None) -> str:
    return f"{format_units(wei, 18)} {NATIVE_SYMBOL.get(chain_id or 0, 'native coin')}"


def token_amount(raw: int, token_address: str, chain_id: int | None, unlimited_at: int | None = None) -> str:
    """`150,000 USDC`, `UNLIMITED USDC`, or `150000000000 raw units of unknown token 0xA0b8…eB48`."""
    token = tokens.token_at(chain_id, token_address)
    symbol = token.symbol if token is not None else f"unknown token {short_address(token_address)}"
    if unlimited_at is not None and raw >= unlimited_at:
        return f"UNLIMITED {symbol}"
    if token is None:
        return f"{raw} raw units of {symbol}"
    return f"{format_units(raw, token.decimals)} {symbol}"


def date_text(timestamp: int) -> str:
    """A Unix time as a UTC date a person reads; out-of-range times are said to be so."""
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return f"time {timestamp} (beyond any calendar date)"


def duration_text(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    parts = [f"{days} day(s)"] if days else []
    if hours:
        parts.append(f"{hours} hour(s)")
    if rest or not parts:
        parts.append(f"{rest // 60} min {rest % 60} s" if rest >= 60 else f"{rest} s")
    return " ".join(parts)


# -- the describer --------------------------------------------------------------------------------
class _Describer:
    def __init__(self, node: CallNode, names: Names):
        self.node = node
        self.names = names
        self.chain_id = names.chain_id
        self.values = [a.value for a in node.args or ()]
        self.raw: list[tuple[str, str]] = []

    def who(self, address: object) -> str:
        return self.names.display(str(address))

    def amount(self, raw: int, token: str, unlimited_at: int | None = None, what: str = "amount") -> str:
        self.raw.append((what, str(raw)))
        return token_amount(raw, token, self.chain_id, unlimited_at)

    @property
    def target(self) -> str:
        return self.who(self.node.to)

    @property
    def on_this_safe(self) -> bool:
        return self.names.safe is not None and self.node.to.lower() == self.names.safe.lower()

    def intent(self, text: str, source: str) -> Intent:
        if self.node.value and source != "template:native":
            text += f", sending {native_amount(self.node.value, self.chain_id)} with it"
            self.raw.append(("value (wei)", str(self.node.value)))
        return Intent(text, source, tuple(self.raw))

    # ---- shapes of call that decide before the function does ---------------------------------
    def describe(self) -> Intent:
        node = self.node
        if node.operation == 2:
            return self.intent("Deploy a new contract from this transaction's data (create)", "template:create")
        if node.operation == 1 and (node.target.kind.name if node.target is not None else None) not in TRUSTED_LIBRARY_KINDS:
            what = f"calling {node.function.name}" if node.function is not None else "with data it cannot decode"
            return self.intent(f"Let {self.target} run its own code with full control of this Safe "
                               f"(DELEGATECALL, {what})", "template:delegatecall")
        if node.is_batch:
            runs = "as this Safe" if node.operation == 1 else f"as {short_address(node.to)}, not as this Safe"
            return self.intent(f"Run a batch of {len(node.children)} call(s) {runs} "
                               f"({node.batch_library.label if node.batch_library else self.target})", "template:batch")
        if not node.data:
            if node.value:
                self.raw.append(("value (wei)", str(node.value)))
                return Intent(f"Send {native_amount(node.value, self.chain_id)} to {self.target}",
                              "template:native", tuple(self.raw))
            if self.on_this_safe:
                return self.intent("Do nothing: an empty call to this Safe (uses up the nonce, e.g. to cancel)",
                                   "template:empty")
            return self.intent(f"Call {self.target} with no data and no value", "template:empty")
        # A descriptor for this very contract first (it decodes the arguments itself, strictly, so it
        # also reads functions the bundled ABIs lack); the registry's generic token descriptors only
        # where no built-in template speaks (they show the same fields, in a stiffer sentence).
        described = erc7730.describe(node, self.names)
        if described is None and node.decode_error is None and node.function is None:
            selector = f"0x{node.selector.hex()}" if node.selector else "too-short data"
            return self.intent(f"Call unknown function {selector} on {self.target}: Coldsight cannot say what it does",
                               "generic")
        if described is None and node.decode_error is not None:
            return self.intent(f"Call {self.target} with data Coldsight cannot decode safely", "generic")
        template = _TEMPLATE_BY_CANONICAL.get(node.function.canonical) if node.function is not None else None
        if described is None and template is None:
            described = erc7730.describe(node, self.names, generic=True)
        if described is not None:
            text, descriptor, raw = described
            self.raw.extend(raw)
            return self.intent(text, f"erc7730:{descriptor}")
        return self.function_intent(template)

    # ---- by function ------------------------------------------------------------------------------
    def function_intent(self, template: Callable[[_Describer, list], str | None] | None) -> Intent:
        name = self.node.require_decoded().function.name
        if template is not None:
            text = template(self, self.values)
            if text is not None:
                return self.intent(text, f"template:{name}")
        return self.intent(f"Call {name} on {self.target}", "generic")


def _on(d: _Describer, text: str) -> str:
    """Safe self-management text, prefixed by the Safe it acts on when that is not this one."""
    return text if d.on_this_safe else f"On {d.target}: {text[0].lower()}{text[1:]}"


def _guard(d: _Describer, v: list, what: str) -> str:
    if str(v[0]).lower() == ZERO_ADDRESS:
        return _on(d, f"Remove this Safe's {what}")
    return _on(d, f"Set this Safe's {what} to {d.who(v[0])}")


def token_symbol(token_address: str, chain_id: int | None) -> str:
    token = tokens.token_at(chain_id, token_address)
    return token.symbol if token is not None else f"unknown token {short_address(token_address)}"


def _approve(d: _Describer, v: list) -> str:
    spender, raw = v[0], v[1]
    if raw == 0:
        return f"Revoke {d.who(spender)}'s allowance on {token_symbol(d.node.to, d.chain_id)}"
    if tokens.token_at(d.chain_id, d.node.to) is None and raw < UNLIMITED_FROM:  # ERC-721 approve shares the selector
        d.raw.append(("amount or token id", str(raw)))
        return f"Approve {d.who(spender)} for {raw} (an amount, or NFT #{raw}) of unknown token {short_address(d.node.to)}"
    return f"Approve {d.who(spender)} to spend {d.amount(raw, d.node.to, UNLIMITED_FROM)}"


def _permit2_approve(d: _Describer, v: list) -> str:
    token, spender, raw, expiration = v
    d.raw.append(("expiration", str(expiration)))
    if expiration == 0:
        until = "for this block only"
    elif expiration >= MAX_UINT48:
        until = "with no expiry"
    else:
        until = f"until {date_text(expiration)}"
    return (f"Approve {d.who(spender)} to spend {d.amount(raw, token, UNLIMITED_FROM)} through Permit2 "
            f"({d.target}) {until}")


def _transfer_from(d: _Describer, v: list) -> str:
    source, to, raw = v
    if tokens.token_at(d.chain_id, d.node.to) is None:  # ERC-20 and ERC-721 share this selector
        d.raw.append(("amount or token id", str(raw)))
        return (f"Move {raw} (an amount, or NFT #{raw}) of unknown token {short_address(d.node.to)} "
                f"from {d.who(source)} to {d.who(to)}")
    return f"Move {d.amount(raw, d.node.to)} from {d.who(source)} to {d.who(to)}"


def _nft_transfer(d: _Describer, v: list) -> str:
    d.raw.append(("token id", str(v[2])))
    return f"Move NFT #{v[2]} of {d.target} from {d.who(v[0])} to {d.who(v[1])}"


def _operator(d: _Describer, v: list) -> str:
    if v[1]:
        return f"Let {d.who(v[0])} move ALL of this Safe's tokens of {d.target} (operator approval)"
    return f"Revoke {d.who(v[0])} as operator of {d.target}"


def _erc1155_transfer(d: _Describer, v: list) -> str:
    d.raw.extend((("id", str(v[2])), ("amount", str(v[3]))))
    return f"Move {v[3]} of item #{v[2]} of {d.target} from {d.who(v[0])} to {d.who(v[1])}"


def _erc1155_batch(d: _Describer, v: list) -> str:
    d.raw.extend((("ids", ",".join(map(str, v[2]))), ("amounts", ",".join(map(str, v[3])))))
    items = ", ".join(f"{amount} of #{item}" for item, amount in zip(v[2], v[3], strict=False))
    return f"Move {items or 'nothing'} of {d.target} from {d.who(v[0])} to {d.who(v[1])}"


def _role(d: _Describer, v: list, verb: str) -> str:
    role = "the ADMIN role" if v[0] == DEFAULT_ADMIN_ROLE else f"role 0x{v[0].hex()[:8]}…"
    d.raw.append(("role", "0x" + v[0].hex()))
    return f"{verb} {role} of {d.target} {'to' if verb == 'Grant' else 'from'} {d.who(v[1])}"


_TEMPLATES = {
    # ERC-20 (decoders/data/abis/erc20.json)
    ("transfer", "address,uint256)"): lambda d, v: f"Send {d.amount(v[1], d.node.to)} to {d.who(v[0])}",
    ("transferFrom", "address,address,uint256)"): _transfer_from,
    ("approve", "address,uint256)"): _approve,
    ("increaseAllowance", "address,uint256)"):
        lambda d, v: f"Raise {d.who(v[0])}'s allowance by {d.amount(v[1], d.node.to, UNLIMITED_FROM)}",
    ("decreaseAllowance", "address,uint256)"):
        lambda d, v: f"Lower {d.who(v[0])}'s allowance by {d.amount(v[1], d.node.to)}",
    # ERC-721 / ERC-1155
    ("safeTransferFrom", "address,address,uint256)"): _nft_transfer,
    ("safeTransferFrom", "address,address,uint256,bytes)"): _nft_transfer,
    ("setApprovalForAll", "address,bool)"): _operator,
    ("safeTransferFrom", "address,address,uint256,uint256,bytes)"): _erc1155_transfer,
    ("safeBatchTransferFrom", "address,address,uint256[],uint256[],bytes)"): _erc1155_batch,
    # Permit2
    ("approve", "address,address,uint160,uint48)"): _permit2_approve,
    ("lockdown", "(address,address)[])"): lambda d, v: f"Revoke {len(v[0])} Permit2 allowance(s) on {d.target}",
    # WETH
    ("deposit", ")"): lambda d, v: (f"Wrap {native_amount(d.node.value, d.chain_id)} into {d.target}"
                                    if tokens.token_at(d.chain_id, d.node.to) else None),
    ("withdraw", "uint256)"): lambda d, v: (f"Unwrap {d.amount(v[0], d.node.to)}"
                                            if tokens.token_at(d.chain_id, d.node.to) else None),
    # Safe self-management (decoders/data/abis/safe.json)
    ("addOwnerWithThreshold", "address,uint256)"):
        lambda d, v: _on(d, f"Add owner {d.who(v[0])} and require {v[1]} signature(s)"),
    ("removeOwner", "address,address,uint256)"):
        lambda d, v: _on(d, f"Remove owner {d.who(v[1])} and require {v[2]} signature(s)"),
    ("swapOwner", "address,address,address)"):
        lambda d, v: _on(d, f"Replace owner {d.who(v[1])} with {d.who(v[2])}"),
    ("changeThreshold", "uint256)"): lambda d, v: _on(d, f"Require {v[0]} signature(s) for every transaction"),
    ("enableModule", "address)"):
        lambda d, v: _on(d, f"Enable module {d.who(v[0])}: it can move funds without owner signatures"),
    ("disableModule", "address,address)"): lambda d, v: _on(d, f"Disable module {d.who(v[1])}"),
    ("setGuard", "address)"): lambda d, v: _guard(d, v, "transaction guard"),
    ("setModuleGuard", "address)"): lambda d, v: _guard(d, v, "module guard"),
    ("setFallbackHandler", "address)"): lambda d, v: _guard(d, v, "fallback handler"),
    ("changeMasterCopy", "address)"):
        lambda d, v: _on(d, f"Replace this Safe's implementation with {d.who(v[0])}"),
    ("approveHash", "bytes32)"):
        lambda d, v: _on(d, f"Approve hash 0x{v[0].hex()} as this Safe (an on-chain signature)"),
    ("signMessage", "bytes)"): lambda d, v: f"Sign a message as this Safe ({len(v[0])} bytes, through {d.target})",
    ("execTransaction", "address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)"):
        lambda d, v: f"Execute a transaction of Safe {d.target} calling {d.who(v[0])} (its call is shown under it)",
    # SafeMigration (delegatecalled by this Safe)
    ("migrateSingleton", ")"): lambda d, v: _migration(d, with_handler=False),
    ("migrateWithFallbackHandler", ")"): lambda d, v: _migration(d, with_handler=True),
    ("migrateL2Singleton", ")"): lambda d, v: _migration(d, with_handler=False),
    ("migrateL2WithFallbackHandler", ")"): lambda d, v: _migration(d, with_handler=True),
    ("migrateToL2", "address)"): lambda d, v: f"Replace this Safe's implementation with {d.who(v[0])}",
    ("migrateFromV111", "address,address)"):
        lambda d, v: f"Replace this Safe's implementation with {d.who(v[0])} and its fallback handler with {d.who(v[1])}",
    # Ownership, roles, proxies (the findings' functions)
    ("transferOwnership", "address)"): lambda d, v: f"Hand ownership of {d.target} to {d.who(v[0])}",
    ("renounceOwnership", ")"): lambda d, v: f"Give up ownership of {d.target} for good",
    ("acceptOwnership", ")"): lambda d, v: f"Accept ownership of {d.target}",
    ("grantRole", "bytes32,address)"): lambda d, v: _role(d, v, "Grant"),
    ("revokeRole", "bytes32,address)"): lambda d, v: _role(d, v, "Revoke"),
    ("upgradeTo", "address)"): lambda d, v: f"Upgrade {d.target} to implementation {d.who(v[0])}",
    ("upgradeToAndCall", "address,bytes)"):
        lambda d, v: f"Upgrade {d.target} to implementation {d.who(v[0])} and call it ({len(v[1])} bytes)",
    ("upgrade", "address,address)"): lambda d, v: f"Upgrade proxy {d.who(v[0])} to implementation {d.who(v[1])}",
    ("upgradeAndCall", "address,address,bytes)"):
        lambda d, v: f"Upgrade proxy {d.who(v[0])} to implementation {d.who(v[1])} and call it",
    ("changeAdmin", "address)"): lambda d, v: f"Hand the admin of proxy {d.target} to {d.who(v[0])}",
    ("changeProxyAdmin", "address,address)"): lambda d, v: f"Hand the admin of proxy {d.who(v[0])} to {d.who(v[1])}",
}

def _migration(d: _Describer, with_handler: bool) -> str:
    """Name the target only when this deployment's immutables are known and verified (decoders/safe_libraries.py)."""
    targets = migration_targets(d.node.target, d.node.to)
    what = "implementation and fallback handler" if with_handler else "implementation"
    if targets is None:
        return (f"Replace this Safe's {what} with the ones fixed in the code of {d.target} "
                "(SafeMigration; its targets are not verified offline)")
    singleton = targets.singleton_l2 if d.node.function is not None and d.node.function.name in L2_FUNCTIONS \
        else targets.singleton
    text = f"Replace this Safe's implementation with {d.who(singleton)}"
    return text + (f" and its fallback handler with {d.who(targets.fallback_handler)}" if with_handler else "")


# The same table keyed by the whole canonical signature, which a decoded Function already carries.
_TEMPLATE_BY_CANONICAL = {f"{name}({rest}": template for (name, rest), template in _TEMPLATES.items()}


def describe_call(node: CallNode, names: Names, effects: Effects | None = None) -> Intent:
    intent = _Describer(node, names).describe()
    if effects is None or node.operation == 1:
        return intent
    return _with_counterparties(intent, node, names, effects)


def describe_tree(root: CallNode, names: Names, effects: Effects | None = None) -> dict[str, Intent]:
    """Every call's intent, by call path (`0`, `0.1`, …), each naming the counterparties its effects have."""
    return {node.path: describe_call(node, names, effects) for node in root.walk()}


PAYOUT_VERBS = {"proceeds": "pays", "position": "credits a position to", "bridge": "delivers on L2 to",
                "refund": "refunds to", "payment": "sends", "value": "sends"}


def _movement_clause(move: AssetMovement, names: Names) -> str:
    asset = (native_amount(move.amount, names.chain_id) if move.asset == "native" and move.amount is not None
             else "native coin" if move.asset == "native"
             else token_amount(move.amount, move.asset, names.chain_id) if move.amount is not None and move.asset != "unknown"
             else (token_symbol(move.asset, names.chain_id) if move.asset != "unknown" else "assets"))
    bound = {"at least": "at least ", "at most": "up to "}.get(move.bound, "")
    verb = PAYOUT_VERBS.get(move.role, "sends")
    if move.role == "payment":
        return f"sends {bound}{asset} to {names.display(move.recipient)}"
    if verb.endswith("to"):
        return f"{verb} {names.display(move.recipient)} ({bound}{asset})"
    return f"{verb} {bound}{asset} to {names.display(move.recipient)}"


def _named(said: str, names: Names, address: str) -> bool:
    return names.display(address).lower() in said or address.lower() in said


def _with_counterparties(intent: Intent, node: CallNode, names: Names, effects: Effects) -> Intent:
    """Lead with who gets what: every counterparty of this call's effects the sentence does not name yet."""
    here = effects.at(node.path)
    if not here:
        return intent
    clauses: list[str] = []
    said = intent.text.lower()
    for effect in here:
        if isinstance(effect, AssetMovement):
            if effect.role == "value" or _named(said, names, effect.recipient):
                continue
            clauses.append(_movement_clause(effect, names))
        elif isinstance(effect, Allowance):
            if not _named(said, names, effect.spender):
                clauses.append(f"lets {names.display(effect.spender)} spend {token_symbol(effect.token, names.chain_id)}")
        elif effect.holder is not None and not _named(said, names, effect.holder):
            clauses.append(f"hands the {effect.role} to {names.display(effect.holder)}")
    if not clauses:
        return intent
    return Intent(f"{intent.text}: {'; '.join(clauses)}", intent.source, intent.raw)
