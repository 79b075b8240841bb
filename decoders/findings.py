"""Risk findings over a decoded transaction. Codes are stable: scripts and policies use them.

Each rule looks at one call (or the SafeTx fields) and says, in plain words a signer can act
on, what the call does to the Safe. Severity: info < warn < critical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .calls import MULTISEND_SELECTOR, CallNode, batch_library_of, executing_address, is_create_call
from .hexutil import short_address
from .multisend import describe as describe_batch
from .safetx import Context
from .tokens import token_at
from .units import format_native, format_units
from .vocabulary import FindingCode, Severity, Verdict, by_severity_worst_first, worst_severity_verdict

if TYPE_CHECKING:
    from .names import Names

MAX_UINT256 = (1 << 256) - 1
UNLIMITED_THRESHOLD = 1 << 128  # amounts this large are "unlimited" in effect, whatever the token
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
PROXY_UPGRADE = {"upgradeTo", "upgradeToAndCall", "upgrade", "upgradeAndCall", "upgradeBeaconToAndCall"}
OWNERSHIP = {"transferOwnership", "renounceOwnership", "changeAdmin", "changeProxyAdmin", "setOwner", "transferAdmin"}
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
    token = token_at(context.chain_id, node.to)
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
    if _runs_as_third_party(node, context):
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
            hidden.append(f"call {child.path} to {short_address(child.to)} has unknown function 0x{child.selector.hex()}")
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
        add(FindingCode.UNKNOWN_SELECTOR, severity, f"Unknown function 0x{node.selector.hex()} on {target}: Coldsight cannot say what it does")

    if node.function is not None and node.decode_error is None:
        found.extend(_function_findings(node, context, target, names))
    return found


def _function_findings(node: CallNode, context: Context, target: str, names: Names | None = None) -> list[Finding]:
    found: list[Finding] = []
    add = lambda code, severity, message: found.append(Finding(code, severity, node.path, message))  # noqa: E731
    name = node.function.name
    args = {a.name: a.value for a in node.args}
    values = [a.value for a in node.args]

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
    elif name in PROXY_UPGRADE:
        add(FindingCode.PROXY_UPGRADE, Severity.CRITICAL, f"Upgrades the implementation behind {target} ({node.function.display})")
    elif name in OWNERSHIP:
        new_owner = values[0] if values else None
        detail = f" to {new_owner}" if isinstance(new_owner, str) else ""
        add(FindingCode.OWNERSHIP_TRANSFER, Severity.CRITICAL, f"Transfers control of {target}{detail} ({name})")
    elif name == "grantRole":
        role = values[0]
        if role == DEFAULT_ADMIN_ROLE:
            add(FindingCode.OWNERSHIP_TRANSFER, Severity.CRITICAL, f"Grants the admin role of {target} to {values[1]}")
        else:
            add(FindingCode.ROLE_CHANGE, Severity.WARN, f"Grants role 0x{role.hex()} of {target} to {values[1]}")
    elif name == "renounceRole" and len(values) == 2:
        if values[0] == DEFAULT_ADMIN_ROLE:
            add(FindingCode.OWNERSHIP_TRANSFER, Severity.CRITICAL, f"Gives up the admin role of {target}: the caller can no longer grant "
                "or revoke its roles, and if no one else holds it, no one ever can")
        else:
            add(FindingCode.ROLE_CHANGE, Severity.WARN, f"Gives up role 0x{values[0].hex()} of {target}")
    elif name == "revokeRole" and len(values) == 2:
        what = "the admin role" if values[0] == DEFAULT_ADMIN_ROLE else f"role 0x{values[0].hex()}"
        add(FindingCode.ROLE_CHANGE, Severity.WARN, f"Revokes {what} of {target} from {values[1]}")
    elif name == "approve" and len(values) == 2 and isinstance(values[1], int):
        listed = token_at(context.chain_id, node.to)
        if listed is not None:  # a listed ERC-20: an amount in its units, never an NFT number
            _approval(add, _who(values[0], names), values[1], MAX_UINT256, f"token contract {short_address(node.to)}",
                      listed)
        else:
            _two_argument_approve(add, _who(values[0], names), values[1], target)
    elif name == "increaseAllowance" and len(values) == 2 and isinstance(values[1], int):
        listed = token_at(context.chain_id, node.to)
        _approval(add, _who(values[0], names), values[1], MAX_UINT256,
                  f"token contract {short_address(node.to)}" if listed is not None else target, listed)
    elif name == "approve" and len(values) == 4:  # Permit2 approve(token, spender, uint160 amount, uint48 expiration)
        token = token_at(context.chain_id, str(values[0]))
        _approval(add, _who(values[1], names), values[2], MAX_UINT160, f"token {values[0]} through Permit2", token)
    elif name == "setApprovalForAll" and len(values) == 2 and values[1] is True:
        add(FindingCode.UNLIMITED_APPROVAL, Severity.CRITICAL,
            f"Lets {_who(values[0], names)} move every token of {target} this Safe holds (setApprovalForAll)")
    elif name == "approveHash" and len(values) == 1:
        add(FindingCode.OPAQUE_APPROVAL, Severity.WARN,
            f"Approves hash 0x{values[0].hex()} on {target}: if this Safe owns that Safe, this is its signature for a "
            "transaction this review cannot see (review the approved transaction itself before signing)")
    elif name == "signMessage" and len(values) == 1 and _signs_for_an_account(node):
        signer = "this Safe" if executing_address(node) == context.safe else f"Safe {executing_address(node)}"
        add(FindingCode.OPAQUE_APPROVAL, Severity.WARN,
            f"Signs a message as {signer} (EIP-1271): any contract that checks its signature will accept it; "
            f"{_message_words(values[0])}")
    elif name in HANDLER_ROUTING and node.to == executing_address(node) == context.safe:
        _handler_routing(add, name, values)
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


def _handler_routing(add, name: str, values: list) -> None:
    if name == "setSafeMethod":
        selector, method = values
        if method == bytes(32):
            add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.WARN, f"Removes the fallback handler's route for selector 0x{selector.hex()}")
        else:
            handler = "0x" + method[12:].hex()
            add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.CRITICAL,
                f"Routes calls of selector 0x{selector.hex()} on this Safe to {handler} (ExtensibleFallbackHandler "
                "setSafeMethod): that contract answers them in the Safe's name")
    elif name == "setDomainVerifier":
        domain, verifier = values
        if int(verifier, 16) == 0:
            add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.WARN, f"Removes the signature verifier for EIP-712 domain 0x{domain.hex()}")
        else:
            add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.CRITICAL,
                f"Hands signature checks of this Safe for EIP-712 domain 0x{domain.hex()} to {verifier} "
                "(ExtensibleFallbackHandler setDomainVerifier): it can make any message of that domain count as "
                "signed by the Safe")
    else:
        add(FindingCode.FALLBACK_HANDLER_CHANGE, Severity.CRITICAL,
            f"Routes {len(values[1])} selector(s) of interface 0x{values[0].hex()} on this Safe to other contracts "
            "(ExtensibleFallbackHandler addSupportedInterfaceBatch)")


def _two_argument_approve(add, spender: str, amount: int, target: str) -> None:
    """approve(address,uint256) is both ERC-20 approve(spender, amount) and ERC-721 approve(to, tokenId).

    Offline, the target's standard is unknown: an ERC-20 revoke (amount 0) is also an ERC-721 approval
    of token #0, so it is never shown as a plain revoke unless the spender is the zero address."""
    if amount == 0 and int(spender, 16) != 0:
        add(FindingCode.TOKEN_APPROVAL, Severity.WARN,
            f"On an ERC-20 token this revokes the allowance of {spender} on {target}; on an ERC-721 (NFT) contract it "
            f"lets {spender} take token #0")
    elif int(spender, 16) == 0:
        add(FindingCode.TOKEN_APPROVAL, Severity.INFO, f"Approves the zero address on {target}: on an ERC-721 contract this clears the "
            f"approval of token #{amount}; most ERC-20 tokens reject it")
    else:
        _approval(add, spender, amount, MAX_UINT256, target, None,
                  nft_note=f" (on an ERC-721 contract: lets {spender} take token #{amount})")


def _threshold_finding(add, threshold: int) -> None:
    if threshold == 1:
        add(FindingCode.THRESHOLD_CHANGE, Severity.CRITICAL, "Lowers the threshold to 1: a single key could then move everything")
    else:
        add(FindingCode.THRESHOLD_CHANGE, Severity.WARN, f"Sets the signing threshold to {threshold}")


def _approval(add, spender, amount: int, maximum: int, what: str, token=None, nft_note: str = "") -> None:
    """`token`: the listed token (decoders.tokens.Token) approved, whose units and symbol the words use."""
    if token is not None:
        what = f"{token.symbol} ({what})"
    if amount == 0:
        add(FindingCode.TOKEN_APPROVAL, Severity.INFO, f"Revokes the allowance of {spender} on {what}")
    elif amount >= maximum or amount >= UNLIMITED_THRESHOLD:
        add(FindingCode.UNLIMITED_APPROVAL, Severity.CRITICAL, f"Lets {spender} spend an unlimited amount of {what}")
    elif token is not None:
        add(FindingCode.TOKEN_APPROVAL, Severity.WARN,
            f"Lets {spender} spend up to {format_units(amount, token.decimals)} {what}")
    else:
        add(FindingCode.TOKEN_APPROVAL, Severity.WARN, f"Lets {spender} spend up to {amount} (raw units) of {what}{nft_note}")


def tree_findings(root: CallNode, context: Context, names: Names | None = None) -> list[Finding]:
    found: list[Finding] = []
    for node in root.walk():
        found.extend(call_findings(node, context, names))
    return found


def verdict_of(findings: list[Finding]) -> Verdict:
    return worst_severity_verdict(f.severity for f in findings)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return by_severity_worst_first(findings, lambda f: f.severity)
