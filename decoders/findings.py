"""Risk findings over a decoded transaction. Codes are stable: scripts and policies use them.

Each rule looks at one call (or the SafeTx fields) and says, in plain words a signer can act
on, what the call does to the Safe. Severity: info < warn < critical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .effects import DELEGATED_CONTROL, UNLIMITED_FROM, Allowance, AssetMovement, AuthorityChange, Effects
from .calls import (MULTISEND_SELECTOR, CallNode, batch_library_of, executing_address, is_create_call,
                    shows_library_self_call)
from .hexutil import short_address
from .multisend import describe as describe_batch
from .safetx import Context
from . import tokens
from .units import format_native, format_units
from .vocabulary import FindingCode, Severity, Verdict, by_severity_worst_first, worst_severity_verdict

if TYPE_CHECKING:
    from .names import Names

MAX_UINT256 = (1 << 256) - 1
UNLIMITED_THRESHOLD = UNLIMITED_FROM  # the one "unlimited" rule (decoders/effects.py), kept under its old name
MAX_UINT160 = (1 << 160) - 1
DEFAULT_ADMIN_ROLE = bytes(32)

# The only contracts a Safe may delegatecall with confidence: Safe's own libraries.
TRUSTED_DELEGATE_KINDS = {"MULTISEND_CALL_ONLY", "SIGN_MESSAGE_LIB", "SAFE_MIGRATION"}

SAFE_MASTERCOPY = {"changeMasterCopy", "migrateSingleton", "migrateWithFallbackHandler", "migrateL2Singleton",
                   "migrateL2WithFallbackHandler", "migrateToL2", "migrateFromV111"}
SAFE_MODULE = {"enableModule", "disableModule"}
SAFE_GUARD = {"setGuard", "setModuleGuard"}
SAFE_FALLBACK = {"setFallbackHandler"}
SAFE_OWNER = {"addOwnerWithThreshold", "removeOwner", "swapOwner"}
# ExtensibleFallbackHandler (safe-smart-account contracts/handler/extensible/*.sol, v1.5.0): called on the
# Safe itself, these route Safe selectors or EIP-1271 signature checks of a domain to another contract.
HANDLER_ROUTING = {"setSafeMethod", "setDomainVerifier", "addSupportedInterfaceBatch"}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    path: str | None
    message: str

    def as_json(self) -> dict:
        return {"code": self.code, "severity": self.severity, "path": self.path, "message": self.message}


def _name(node: CallNode) -> str | None:
    return node.function.name if node.function else None


def _target_text(node: CallNode, context: Context, names: Names | None = None) -> str:
    """The call's target in words: a known contract by name, a listed token by its symbol, the team's
    name for it, else "address …" (offline nothing says whether code lives there)."""
    if node.to == context.safe:
        return "this Safe"
    if node.target is not None:
        return f"{node.target.label} at {short_address(node.to)}"
    token = tokens.token_at(context.chain_id, node.to)
    if token is not None:
        return f"{token.symbol} ({short_address(node.to)})"
    name = names.name_of(node.to) if names is not None else None
    if name:
        return f"{name} ({short_address(node.to)})"
    return f"address {short_address(node.to)}"


def _who(address: object, names: Names | None) -> str:
    """An address a finding names: the team's or the bundled name first, the full address after it."""
    text = str(address)
    name = names.name_of(text) if names is not None else None
    return f"{name} ({text})" if name else text


def _runs_as_third_party(node: CallNode, context: Context) -> bool:
    return node.runs_as is not None and node.runs_as != context.safe


def call_findings(node: CallNode, context: Context, names: Names | None = None) -> list[Finding]:
    """`names`: the review's names (address book, policy labels, bundled), for the addresses findings name."""
    found = _own_call_findings(node, context, names)
    if node.runs_as is not None and _runs_as_third_party(node, context):
        # Not the Safe's own action: say who makes the call, before anything else.
        role = node.maker_role or "the batch contract"
        place = "on L2, " if node.network else ""
        maker = f"{place}made by {short_address(node.runs_as)} ({role}), not by this Safe"
        found = [Finding(f.code, f.severity, f.path, f"{f.message} [{maker}]") for f in found]
    elif node.network:
        found = [Finding(f.code, f.severity, f.path, f"{f.message} [on L2]") for f in found]
    return found + batch_findings(node, context) + wrapper_findings(node, context)


def wrapper_findings(node: CallNode, context: Context) -> list[Finding]:
    """OPAQUE_CALL: a wrapper that would make calls Coldsight cannot decode.

    Critical when the wrapper's code runs as this Safe (a delegatecall, or a call to the Safe itself):
    then whatever it hides acts with the Safe's full authority."""
    if node.wrapper is None or node.decode_error is not None:
        return []
    hidden = list(node.wrapper.opaque)
    for child in node.children:
        if child.operation == 2:
            continue
        if child.decode_error is not None:
            hidden.append(f"call {child.path} to {short_address(child.to)} does not decode ({child.decode_error})")
        elif child.data and child.function is None:
            hidden.append(f"call {child.path} to {short_address(child.to)} has unknown function 0x{child.data[:4].hex()}")
    if not hidden:
        return []
    as_safe = node.operation == 1 or executing_address(node) == context.safe
    severity = Severity.CRITICAL if as_safe else Severity.WARN
    where = " running as this Safe" if as_safe else ""
    shown = "; ".join(hidden[:3]) + (f"; and {len(hidden) - 3} more" if len(hidden) > 3 else "")
    return [Finding(FindingCode.OPAQUE_CALL, severity, node.path,
                    f"{node.wrapper.label}{where} would execute calls this review cannot see: {shown}")]


def batch_findings(node: CallNode, context: Context) -> list[Finding]:
    """Findings about a multiSend call as a batch: how it is read, and who runs its entries."""
    found: list[Finding] = []
    add = lambda code, severity, message: found.append(Finding(code, severity, node.path, message))  # noqa: E731
    if node.function is None or node.decode_error is not None or node.selector != MULTISEND_SELECTOR:
        return found
    library = batch_library_of(node)
    if library is None:
        if node.operation == 0:  # a delegatecall is already DELEGATECALL_UNTRUSTED
            add(FindingCode.BATCH_UNKNOWN_CONTRACT, Severity.WARN,
                f"Calls multiSend on {_target_text(node, context)}, which is not a known MultiSend deployment on this "
                "chain: it calls an unknown contract that may make further calls; the batch inside is not shown")
        return found
    if node.batch is None:
        return found
    if not node.batch.clean:
        add(FindingCode.BATCH_AMBIGUOUS, Severity.CRITICAL, describe_batch(node.batch, library)
            + ". The calls shown are what the contract would really make")
    if node.operation == 0:
        moved = node.value + sum(d.value for d in node.walk() if d is not node and d.runs_as == node.to)
        severity = Severity.CRITICAL if moved > 0 else Severity.WARN
        if library.delegatecall_only:
            effect = "plain MultiSend refuses direct calls, so this call reverts and its batch never runs"
        else:
            effect = (f"its calls run as {short_address(node.to)} (msg.sender is the batch contract, not this Safe), "
                      "and native coin sent to it stays there for anyone to take")
        add(FindingCode.BATCH_NOT_DELEGATECALLED, severity,
            f"Calls {library.label} with a plain CALL instead of a delegatecall: {effect}"
            + (f"; {format_native(moved, context.chain_id)} is sent to or moved inside it" if moved else ""))
    return found


def _own_call_findings(node: CallNode, context: Context, names: Names | None = None) -> list[Finding]:
    found: list[Finding] = []
    add = lambda code, severity, message: found.append(Finding(code, severity, node.path, message))  # noqa: E731
    target = _target_text(node, context, names)
    kind = node.target.kind.name if node.target is not None else None

    # A delegatecall hands control of whoever makes it: this Safe, or (inside a wrapper) another account.
    controlled = "this Safe" if node.runs_as in (None, context.safe) else short_address(node.runs_as)
    if node.operation == 1:
        if node.depth > 0 and not node.account_call:
            add(FindingCode.DELEGATECALL_NESTED, Severity.CRITICAL,
                f"A call inside the batch lets {target} run its own code with full control of {controlled} (nested delegatecall)")
        elif is_create_call(node):
            pass  # the contract creation it makes is its child (operation 2): CONTRACT_CREATION there
        elif kind not in TRUSTED_DELEGATE_KINDS:
            if kind == "MULTISEND":
                add(FindingCode.MULTISEND_DELEGATECALL_CAPABLE, Severity.WARN,
                    f"The batch runs through {target}, which can also delegatecall; prefer MultiSendCallOnly")
            else:
                add(FindingCode.DELEGATECALL_UNTRUSTED, Severity.CRITICAL,
                    f"This transaction lets {target} run its own code with full control of {controlled} "
                    f"(delegatecall to code that is not a known Safe library)")
    elif node.operation == 2:
        add(FindingCode.CONTRACT_CREATION, Severity.WARN,
            f"Deploys a new contract from {len(node.data)} bytes of creation code (its constructor runs as the new "
            f"contract, not as {controlled})")

    if node.to_was_zero:
        whom = "this Safe itself" if node.to == context.safe else f"the batch contract itself ({short_address(node.to)})"
        add(FindingCode.SELF_CALL, Severity.INFO, f"Batch entry sends to 0x0, which a 1.5.0 batch replaces by {whom}")
    elif node.to == context.safe and node.operation == 0 and not node.network:
        add(FindingCode.SELF_CALL, Severity.INFO, "This call is made to the Safe itself")

    if node.value > 0:
        add(FindingCode.NATIVE_TRANSFER, Severity.INFO, f"Sends {format_native(node.value, context.chain_id)} to {target}")

    if node.decode_error is not None:
        add(FindingCode.UNDECODABLE_CALLDATA, Severity.CRITICAL, f"Call data to {target} cannot be decoded safely: {node.decode_error}")
    elif node.data and node.function is None and node.operation != 2:
        severity = Severity.CRITICAL if node.operation == 1 else Severity.WARN
        add(FindingCode.UNKNOWN_SELECTOR, severity, f"Unknown function 0x{node.data[:4].hex()} on {target}: Coldsight cannot say what it does")

    if node.function is not None and node.decode_error is None:
        found.extend(_function_findings(node, context, target, names))
    return found


def _function_findings(node: CallNode, context: Context, target: str, names: Names | None = None) -> list[Finding]:
    found: list[Finding] = []
    add = lambda code, severity, message: found.append(Finding(code, severity, node.path, message))  # noqa: E731
    function, decoded = node.require_decoded()
    name = function.name
    args = {a.name: a.value for a in decoded}
    values = [a.value for a in decoded]

    if name in SAFE_MASTERCOPY:
        add(FindingCode.MASTERCOPY_CHANGE, Severity.CRITICAL, f"Replaces the Safe's implementation (masterCopy) via {name}: the Safe's code changes")
    elif name in SAFE_MODULE:
        verb = "adds" if name == "enableModule" else "removes"
        add(FindingCode.MODULE_CHANGE, Severity.CRITICAL, f"{verb.capitalize()} module {values[-1]}: a module can move funds without owner signatures")
    elif name in SAFE_GUARD:
        add(FindingCode.GUARD_CHANGE, Severity.CRITICAL, f"Sets the transaction guard to {values[0]}: a guard can block or allow every future transaction")
    elif name in SAFE_FALLBACK:
        add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.CRITICAL, f"Sets the fallback handler to {values[0]}: it answers every call the Safe does not know")
    elif name in SAFE_OWNER:
        threshold = args.get("_threshold")
        add(FindingCode.OWNER_CHANGE, Severity.WARN, f"Changes the Safe's owners ({name})")
        if threshold is not None:
            _threshold_finding(add, threshold)
    elif name == "changeThreshold":
        _threshold_finding(add, values[0])
    elif name == "approveHash" and len(values) == 1:
        add(FindingCode.OPAQUE_APPROVAL, Severity.WARN,
            f"Approves hash 0x{_raw(values[0]).hex()} on {target}: if this Safe owns that Safe, this is its signature for a "
            "transaction this review cannot see (review the approved transaction itself before signing)")
    elif name == "signMessage" and len(values) == 1 and _signs_for_an_account(node):
        signer = "this Safe" if executing_address(node) == context.safe else f"Safe {executing_address(node)}"
        add(FindingCode.OPAQUE_APPROVAL, Severity.WARN,
            f"Signs a message as {signer} (EIP-1271): any contract that checks its signature will accept it; "
            f"{_message_words(_raw(values[0]))}")
    elif name in HANDLER_ROUTING:
        # Judged for whichever Safe it reroutes (the account whose code runs the call), not only this one:
        # a nested Safe or a Safe this one is a module of hands its EIP-1271 answers away just the same.
        affected = executing_address(node)
        if node.target is not None and node.target.kind.name == "FALLBACK_HANDLER" and node.runs_as is not None:
            # Called on the handler contract itself: it keys its settings by msg.sender (HandlerContext._manager),
            # so the Safe making the call is the one whose routing changes.
            affected = node.runs_as
        _handler_routing(add, name, values, "this Safe" if affected == context.safe else f"Safe {affected}")
    return found


def _signs_for_an_account(node: CallNode) -> bool:
    """signMessage that marks a message signed by the account making the call: SignMessageLib
    delegatecalled, or a Safe's own signMessage (1.1.1 and earlier) called by that Safe itself."""
    return node.operation == 1 or (node.runs_as is not None and node.to == node.runs_as)


def _message_words(message: bytes) -> str:
    if len(message) == 32:
        return f"the message is the 32-byte hash 0x{message.hex()}, whose content this review cannot see"
    try:
        text = message.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable():
        shown = text if len(text) <= 200 else text[:200] + "…"
        return f"the message is the text {shown!r}"
    return f"the message is {len(message)} bytes of binary data this review cannot read"


def _handler_routing(add, name: str, values: list, safe: str = "this Safe") -> None:
    if name == "setSafeMethod":
        selector, method = values
        if method == bytes(32):
            add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.WARN, f"Removes the fallback handler's route for selector 0x{selector.hex()}")
        else:
            handler = "0x" + method[12:].hex()
            add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.CRITICAL,
                f"Routes calls of selector 0x{selector.hex()} on {safe} to {handler} (ExtensibleFallbackHandler "
                "setSafeMethod): that contract answers them in the Safe's name")
    elif name == "setDomainVerifier":
        domain, verifier = values
        if int(verifier, 16) == 0:
            add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.WARN, f"Removes the signature verifier for EIP-712 domain 0x{domain.hex()}")
        else:
            add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.CRITICAL,
                f"Hands signature checks of {safe} for EIP-712 domain 0x{domain.hex()} to {verifier} "
                "(ExtensibleFallbackHandler setDomainVerifier): it can make any message of that domain count as "
                "signed by the Safe")
    else:
        add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.CRITICAL,
            f"Routes {len(values[1])} selector(s) of interface 0x{values[0].hex()} on {safe} to other contracts "
            "(ExtensibleFallbackHandler addSupportedInterfaceBatch)")


def _raw(value: object) -> bytes:
    assert isinstance(value, bytes)  # a bytes / bytes32 argument of a decoded Safe function
    return value


def _threshold_finding(add, threshold: object) -> None:  # a decoded uint; shown as it decoded
    if threshold == 1:
        add(FindingCode.THRESHOLD_CHANGE, Severity.CRITICAL, "Lowers the threshold to 1: a single key could then move everything")
    else:
        add(FindingCode.THRESHOLD_CHANGE, Severity.WARN, f"Sets the signing threshold to {threshold}")


def tree_findings(root: CallNode, context: Context, names: Names | None = None) -> list[Finding]:
    found: list[Finding] = []
    documented: set[str] = set()  # paths of a canonical library's own, verified self-calls
    for node in root.walk():
        if shows_library_self_call(node):
            documented.update(child.path for child in node.children)
        own = call_findings(node, context, names)
        if node.path in documented:
            own = [_documented_step(f, node) for f in own]
        found.extend(own)
    return found


def _documented_step(finding: Finding, node: CallNode) -> Finding:
    """SafeMigration's setFallbackHandler self-call sets the handler fixed in its verified code (the
    canonical CompatibilityFallbackHandler of its version): part of the migration, which MASTERCOPY_CHANGE
    judges, not a second decision."""
    if finding.code != FindingCode.FALLBACK_HANDLER_CHANGE:
        return finding
    return Finding(finding.code, Severity.INFO, finding.path,
                   f"As part of the migration, SafeMigration sets the fallback handler fixed in its verified code "
                   f"({node.args[0].value if node.args else '?'}): the canonical handler of that Safe version")


def verdict_of(findings: list[Finding]) -> Verdict:
    return worst_severity_verdict(f.severity for f in findings)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return by_severity_worst_first(findings, lambda f: f.severity)


# ---- effect-driven findings: one severity rule per effect kind (decoders/effects.py) -------------
STANDING_SECONDS = 90 * 24 * 3600  # an allowance that outlives a quarter (or never expires) is "standing"
PAYOUT_ROLES = {"proceeds", "position", "bridge", "refund"}
PAYOUT_WORDS = {"proceeds": "pays out", "position": "credits the position of", "bridge": "delivers on L2 to",
                "refund": "refunds"}
# Authority roles whose new holder takes over the implementation (PROXY_UPGRADE); "role 0x…" grants and
# every revoke are ROLE_CHANGE; every other role (owner, admin, ward, authority, default admin, admin
# role) is OWNERSHIP_TRANSFER.
WEAK_AUTHORITY_ROLES = {"default admin delay"}


def _party_words(effects: Effects, address: str | None) -> str:
    if address is None:
        return "no one"
    party = effects.counterparty(address)
    if party is None or party.judgement == "unknown":
        return f"{address} (unknown: not this Safe, not in the address book or policy, not a known protocol contract)"
    return f"{party.name} ({address})" if party.name else address


def _amount_words(asset: str, amount: int | None, bound: str, chain_id: int | None) -> str:
    if asset == "native":
        what = "native coin"
        text = format_native(amount) if amount is not None else None
    else:
        token = tokens.token_at(chain_id, asset) if asset != "unknown" else None
        what = token.symbol if token is not None else f"token {asset}"
        text = None if amount is None else (f"{format_units(amount, token.decimals)} {token.symbol}" if token is not None
                                            else f"{amount} raw units of token {asset}")
    if text is None:
        return f"an amount of {what} the call does not fix"
    return {"at least": f"at least {text}", "at most": f"up to {text}"}.get(bound, text)


def allowance_severity(allowance: Allowance, spender_judgement: str, now: int, listed: bool = False) -> tuple[str, str]:
    """The one allowance rule, for calls and messages alike: (code, severity).

    revoke: info. Unlimited (>= 2^96 raw units, or every item): critical. Bounded: warn, and critical
    when it is standing (no expiry, or one more than 90 days away) and its spender is unknown (not this
    Safe, not the address book or policy, not a known protocol contract)."""
    if int(allowance.spender, 16) == 0:
        return FindingCode.TOKEN_APPROVAL, Severity.INFO  # clears an ERC-721 approval; ERC-20 tokens reject it
    if allowance.revoke:
        # approve(x, 0) is also ERC-721 approve(to, tokenId #0): unless the token is a listed ERC-20, the
        # standard is unknown offline, so it is a plain revoke only with a zero spender (issue 10)
        nft_approval = allowance.route == "approve" and int(allowance.spender, 16) != 0 and not listed
        return FindingCode.TOKEN_APPROVAL, Severity.WARN if nft_approval else Severity.INFO
    if allowance.unlimited:
        return FindingCode.UNLIMITED_APPROVAL, Severity.CRITICAL
    standing = allowance.expiry is None or allowance.expiry - now > STANDING_SECONDS
    if standing and spender_judgement == "unknown":
        return FindingCode.TOKEN_APPROVAL, Severity.CRITICAL
    return FindingCode.TOKEN_APPROVAL, Severity.WARN


def _expiry_text(allowance: Allowance, now: int) -> str:
    if allowance.expiry is None:
        return "never expires"
    if allowance.expiry <= now:
        return "expires now (this block)"
    days = (allowance.expiry - now) // 86400
    return f"expires in {days} day(s)" if days else "expires within a day"


def allowance_finding(allowance: Allowance, effects: Effects, chain_id: int | None, now: int,
                      path: str | None) -> Finding:
    party = effects.counterparty(allowance.spender)
    listed = allowance.via is None and tokens.token_at(chain_id, allowance.token) is not None
    code, severity = allowance_severity(allowance, party.judgement if party else "unknown", now, listed)
    spender = _party_words(effects, allowance.spender)
    via = f" through {allowance.via}" if allowance.via else ""
    token = _amount_words(allowance.token, None, "exact", chain_id).replace("an amount of ", "").replace(
        " the call does not fix", "")
    if int(allowance.spender, 16) == 0:
        return Finding(code, severity, path, f"Approves the zero address on {token}: on an ERC-721 contract this clears the "
                       "approval of a token; most ERC-20 tokens reject it")
    if allowance.revoke and severity == Severity.WARN:
        return Finding(code, severity, path, f"On an ERC-20 token this revokes the allowance of {spender} on {token}; on an "
                       f"ERC-721 (NFT) contract it lets {spender} take token #0")
    if allowance.revoke:
        return Finding(code, severity, path, f"Revokes the allowance of {spender} on {token}{via} ({allowance.route})")
    if allowance.unlimited:
        amount = "every item" if allowance.amount is None and allowance.route in ("operator",) else "an unlimited amount"
        return Finding(code, severity, path, f"Lets {spender} spend {amount} of {token}{via} ({allowance.route}; "
                       f"{_expiry_text(allowance, now)})")
    summed = f", summed over calls {', '.join(allowance.paths)}" if len(allowance.paths) > 1 else ""
    amount = _amount_words(allowance.token, allowance.amount, "exact", chain_id)
    nft = (f" (on an ERC-721 contract: lets it take token #{allowance.amount})"
           if allowance.route == "approve" and _amount_words(allowance.token, 1, "exact", chain_id).startswith("1 raw") else "")
    return Finding(code, severity, path, f"Lets {spender} spend up to {amount}{via} ({allowance.route}{summed}; "
                   f"{_expiry_text(allowance, now)}){nft}")


def _authority_finding(change: AuthorityChange, effects: Effects, target: str) -> Finding:
    holder = _party_words(effects, change.holder) if change.holder is not None else None
    how = f" ({change.function})" if change.function else ""
    if change.action == "revoke":
        return Finding(FindingCode.ROLE_CHANGE, Severity.WARN, change.path,
                       f"Revokes the {change.role} of {target} from {holder}{how}")
    if change.role in WEAK_AUTHORITY_ROLES or (change.role.startswith("role 0x") and change.action != "renounce"):
        return Finding(FindingCode.ROLE_CHANGE, Severity.WARN, change.path,
                       f"Grants the {change.role} of {target} to {holder}{how}" if holder else
                       f"Changes the {change.role} of {target}{how}")
    if change.role.startswith("role 0x"):
        return Finding(FindingCode.ROLE_CHANGE, Severity.WARN, change.path, f"Gives up the {change.role} of {target}{how}")
    if change.role.startswith("implementation"):
        return Finding(FindingCode.PROXY_UPGRADE, Severity.CRITICAL, change.path,
                       f"Upgrades the {change.role} of {target} to {holder}{how}: its code is replaced")
    if holder is None:
        return Finding(FindingCode.OWNERSHIP_TRANSFER, Severity.CRITICAL, change.path,
                       f"Gives up the {change.role} of {target}{how}: the caller can no longer control it, and if no "
                       "one else holds it, no one ever can")
    pending = " (pending: it takes over when it accepts)" if change.action == "set pending" else ""
    return Finding(FindingCode.OWNERSHIP_TRANSFER, Severity.CRITICAL, change.path,
                   f"Hands the {change.role} of {target} to {holder}{pending}{how}")


def effect_findings(effects: Effects, root: CallNode, context: Context, now: int) -> list[Finding]:
    """Findings from what the transaction does: one rule per effect kind, at every depth."""
    nodes = {node.path: node for node in root.walk()}
    found: list[Finding] = []

    def add(code: str, severity: str, path: str | None, message: str) -> None:
        node = nodes.get(path) if path is not None else None
        if node is not None and _runs_as_third_party(node, context):
            role = node.maker_role or "the batch contract"
            message += f" [made by {short_address(node.runs_as)} ({role}), not by this Safe]"
        found.append(Finding(code, severity, path, message))

    for path in effects.unexplained_value:
        node = nodes[path]
        if node.wrapper is not None:  # a payable batch whose calls do not spend it (decoders/effects_extract.py)
            add(FindingCode.VALUE_NOT_NEEDED, Severity.CRITICAL, path,
                f"Attaches {format_native(node.value)} to {node.function.name} on {_target_text(node, context)}, but "
                "none of its calls spends it: it stays in that contract, where the next caller can take it")
            continue
        add(FindingCode.VALUE_NOT_NEEDED, Severity.CRITICAL, path,
            f"Attaches {format_native(node.value)} to {node.function.name} on {_target_text(node, context)}, which takes "
            "no native coin: it is lost to, or kept by, that contract")
    payments: dict[str, list[AssetMovement]] = {}
    for move in effects.assets:
        party = effects.counterparty(move.recipient)
        if party is None or party.judgement != "unknown":
            continue
        if move.role in PAYOUT_ROLES:
            what = _amount_words(move.asset, move.amount, move.bound, context.chain_id)
            add(FindingCode.PROCEEDS_TO_THIRD_PARTY, Severity.CRITICAL, move.path,
                f"{move.function or 'This call'} {PAYOUT_WORDS[move.role]} {_party_words(effects, move.recipient)} "
                f"({what}), not this Safe")
        elif not (move.role == "value" and move.path in effects.unexplained_value):
            payments.setdefault(move.recipient.lower(), []).append(move)
    for moves in payments.values():
        shown = "; ".join(f"{_amount_words(m.asset, m.amount, m.bound, context.chain_id)} at call {m.path}"
                          for m in moves[:3]) + (f"; and {len(moves) - 3} more" if len(moves) > 3 else "")
        add(FindingCode.COUNTERPARTY_UNKNOWN, Severity.WARN, moves[0].path,
            f"Sends to {_party_words(effects, moves[0].recipient)}: {shown}. Check this recipient before signing")
    for allowance in effects.allowances:
        finding = allowance_finding(allowance, effects, context.chain_id, now, allowance.path)
        add(finding.code, finding.severity, finding.path, finding.message)
    for change in effects.authority:
        if change.role == DELEGATED_CONTROL:
            continue  # judged where the call is: DELEGATECALL_UNTRUSTED / DELEGATECALL_NESTED
        node = nodes.get(change.path)
        target = _target_text(node, context) if node is not None and node.to == change.contract else change.contract
        finding = _authority_finding(change, effects, target)
        add(finding.code, finding.severity, finding.path, finding.message)
    for path in effects.opaque_orders:
        add(FindingCode.OPAQUE_APPROVAL, Severity.WARN, path,
            "Pre-signs a CoW Protocol order (setPreSignature): the order's amounts and receiver are not in the "
            "call, only its hash; review the order itself before signing")
    return found
