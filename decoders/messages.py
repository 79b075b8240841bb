"""Safe messages: what a Safe's owners sign when the Safe itself signs (EIP-1271).

Every Safe version (0.1.0 .. 1.5.0: GnosisSafe.getMessageHash, CompatibilityFallbackHandler
.getMessageHashForSafe, SignMessageLib) hashes a message the same way, over the Safe's own EIP-712
domain (with chainId from 1.3.0, as for SafeTx):

    safeMessageHash = keccak(0x19 0x01 || domainSeparator || keccak(SAFE_MSG_TYPEHASH || keccak(message)))
    SAFE_MSG_TYPEHASH = keccak("SafeMessage(bytes message)")

`message` is what dapps ask the Safe to sign: Safe{Wallet} passes the EIP-191 hash of a text
message, or the EIP-712 digest of typed data. Accepted documents:

- the Safe Transaction Service message shape: `{safe, chainId, safeVersion, message, messageHash?}`
  where `message` is a text, an EIP-712 typed-data object, or a 0x hash;
- the owner's own `SafeMessage` typed data (`primaryType: "SafeMessage"`), optionally with the
  original under `originalMessage`.

The inner message is shown and judged: EIP-2612 / DAI permits, Permit2 (single, batch, transfer),
CoW Protocol orders whose proceeds go elsewhere; other typed data is a warning (no rule), a bare
hash is a warning (what it stands for cannot be seen).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .display_text import deceptive_code_points
from .effects import Effects
from .eip712 import domain_separator
from .eip712_any import TypedDataHashes, parse_address, parse_bytes, parse_uint
from .errors import ContextError, PayloadError
from .addressbook import AddressBook, mark_differences
from .effects import Allowance, AssetMovement
from .effects_extract import counterparties_of
from .effects_knowledge import knowledge
from .findings import Finding, allowance_finding, sort_findings, tree_findings, verdict_of
from .names import Names, RECEIVING_ARGUMENTS, lookalike_findings
from .hexutil import keccak, short_address
from .safetx import Context, SafeTx, SafeVersion
from .typed_view import TypedView, typed_view
from .vocabulary import FindingCode, Severity
from . import strictjson
from .abi import bundled_registry
from .calls import build_call_tree
from .formats import decode_text
from .formats.typed_data import DOMAIN_NO_CHAIN, DOMAIN_WITH_CHAIN, SAFE_TX_BASEGAS, SAFE_TX_DATAGAS
from .inner_safes import inner_safe_findings, refund_findings_at

SAFE_MSG_TYPE = "SafeMessage(bytes message)"
SAFE_MSG_TYPEHASH = keccak(SAFE_MSG_TYPE.encode())
# Uniswap Permit2, same address on every chain (Uniswap/permit2 README).
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
LONG_EXPIRY_SECONDS = 90 * 24 * 3600  # a standing approval longer than a quarter is called out
MAX_UINT48 = (1 << 48) - 1


@dataclass(frozen=True)
class SafeMessageHashes:
    domain: bytes
    message: bytes  # hashStruct(SafeMessage)
    safe_message: bytes  # what the owners sign (and what the Safe marks signed)

    def as_json(self) -> dict:
        return {"domain": "0x" + self.domain.hex(), "message": "0x" + self.message.hex(),
                "safeMessage": "0x" + self.safe_message.hex()}


def safe_message_hashes(message: bytes, safe: str, chain_id: int | None, version: SafeVersion) -> SafeMessageHashes:
    if version.family.has_chain_id and chain_id is None:
        raise ContextError("Safe >= 1.3.0 signs messages over a domain with the chain id: give chainId", "chainId")
    domain = domain_separator(version.family, safe, chain_id)
    struct = keccak(SAFE_MSG_TYPEHASH + keccak(message))
    return SafeMessageHashes(domain, struct, keccak(b"\x19\x01" + domain + struct))


def eip191_hash(text: str) -> bytes:
    """personal_sign / eth_sign hash of a text (EIP-191 version 0x45)."""
    raw = text.encode("utf-8")
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(raw)).encode() + raw)


@dataclass
class InnerMessage:
    kind: str  # "text", "typed-data" or "hash"
    signed_bytes: bytes  # the bytes the SafeMessage carries
    text: str | None = None
    # Typed data: only what the digest signs (typed_view.as_document()), so every reader (findings, the
    # policy's message rules, the screens) sees the signed content; members the types do not declare are
    # listed in typed_view.undeclared and never read.
    typed_data: dict | None = None
    typed_hashes: TypedDataHashes | None = None
    typed_view: TypedView | None = None


@dataclass
class MessageReview:
    safe: str
    chain_id: int | None
    version: SafeVersion
    inner: InnerMessage
    hashes: SafeMessageHashes
    findings: list[Finding] = field(default_factory=list)
    effects: Effects = field(default_factory=Effects)  # the allowances / proceeds it signs (decoders/effects.py)

    @property
    def verdict(self) -> str:
        return verdict_of(self.findings)

    def as_json(self) -> dict:
        inner = {"kind": self.inner.kind, "signedBytes": "0x" + self.inner.signed_bytes.hex(), "text": self.inner.text,
                 "typedData": _json_numbers(self.inner.typed_data),
                 "typedDataHashes": self.inner.typed_hashes.as_json() if self.inner.typed_hashes else None,
                 "undeclaredMembers": list(self.inner.typed_view.undeclared) if self.inner.typed_view else []}
        return {"schema": "coldsight.message/1", "verdict": self.verdict, "safe": self.safe,
                "chainId": str(self.chain_id) if self.chain_id is not None else None,
                "safeVersion": self.version.label, "hashes": self.hashes.as_json(), "message": inner,
                "findings": [f.as_json() for f in sort_findings(self.findings)],
                "effects": self.effects.as_json()}


def _json_numbers(value: object) -> object:
    """The typed-data view for JSON: numbers as decimal strings (lossless in any JSON reader)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return [_json_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_numbers(item) for key, item in value.items()}
    return value


def is_message_document(document: object) -> bool:
    if not isinstance(document, dict):
        return False
    if document.get("primaryType") == "SafeMessage" and isinstance(document.get("types"), dict):
        return True
    return "message" in document and "safe" in document and "to" not in document and "data" not in document


def review_message(document: object, *, chain_id: int | None = None, safe: str | None = None,
                   safe_version: str | None = None, now: int | None = None,
                   address_book: AddressBook | None = None) -> MessageReview:
    """Hash and judge one Safe message document; the context may come from the document or the caller.

    `address_book`: the team's names, for the counterparties and the lookalike check of every address the
    message signs."""
    if not isinstance(document, dict) or not is_message_document(document):
        raise PayloadError("not a Safe message (expected {safe, message, …} or SafeMessage typed data)", "payload")
    findings: list[Finding] = []
    wallet_digest = None
    if document.get("primaryType") == "SafeMessage":
        outer = typed_view(document, "typedData")  # what the owner's wallet will really sign
        wallet_digest = outer.digest
        doc_safe = outer.get("domain.verifyingContract")
        doc_chain = outer.get("domain.chainId")
        signed_member = outer.get("message.message")
        if not isinstance(signed_member, str):
            raise PayloadError("SafeMessage must declare `message` as bytes", "typedData.types.SafeMessage")
        signed = parse_bytes(signed_member, "message.message")
        original = document.get("originalMessage")
        if outer.undeclared:
            findings.append(_undeclared_finding(outer.undeclared))
    else:
        doc_safe, doc_chain = document.get("safe"), document.get("chainId")
        original = document["message"]
        signed = None
    context_safe = parse_address(safe or doc_safe, "safe")
    context_chain = chain_id if chain_id is not None else (parse_uint(doc_chain, "chainId") if doc_chain is not None else None)
    version_text = safe_version or document.get("safeVersion")
    if version_text is None:
        raise ContextError("the Safe version decides the message domain: give safeVersion (--safe-version)", "safeVersion")
    version = SafeVersion.parse(version_text, "safeVersion")
    if doc_safe is not None and parse_address(doc_safe, "safe") != context_safe:
        findings.append(Finding(FindingCode.DOMAIN_MISMATCH, Severity.CRITICAL, None,
                                f"The message is for Safe {doc_safe}, but this review is for Safe {context_safe}"))
    if doc_chain is not None and context_chain is not None and parse_uint(doc_chain, "chainId") != context_chain:
        findings.append(Finding(FindingCode.DOMAIN_MISMATCH, Severity.CRITICAL, None,
                                f"The message is for chain {doc_chain}, but this review is for chain {context_chain}"))
    inner = _inner(original, signed, findings)
    hashes = safe_message_hashes(inner.signed_bytes, context_safe, context_chain, version)
    if wallet_digest is not None and wallet_digest != hashes.safe_message:
        findings.append(Finding(FindingCode.DOMAIN_MISMATCH, Severity.CRITICAL, None,
                                f"The typed data hashes to 0x{wallet_digest.hex()}, not to this Safe's message hash "
                                f"0x{hashes.safe_message.hex()}: its domain or types are not the Safe's"))
    claimed = document.get("messageHash") or document.get("safeMessageHash")
    if claimed is not None and parse_bytes(claimed, "messageHash") != hashes.safe_message:
        findings.append(Finding(FindingCode.CLAIMED_HASH_MISMATCH, Severity.CRITICAL, None,
                                f"The payload claims message hash {claimed} but the message hashes to "
                                f"0x{hashes.safe_message.hex()}: it describes a different message"))
    names = Names(context_chain, context_safe, address_book or AddressBook())
    judged, effects = judge_inner(inner, context_safe, int(time.time()) if now is None else now, context_chain, names)
    findings += judged
    return MessageReview(context_safe, context_chain, version, inner, hashes, findings, effects)


def _inner(original: object, signed: bytes | None, findings: list[Finding]) -> InnerMessage:
    """What the SafeMessage carries, and the original it stands for when the payload gives it."""
    if isinstance(original, dict):
        view = typed_view(original, "message")
        inner = InnerMessage("typed-data", view.digest, typed_data=view.as_document(), typed_hashes=view.hashes,
                             typed_view=view)
    elif isinstance(original, str) and original[:2] in ("0x", "0X") and len(original) == 66:
        inner = InnerMessage("hash", parse_bytes(original, "message"))
    elif isinstance(original, str):
        inner = InnerMessage("text", eip191_hash(original), text=original)
    elif original is None and signed is not None:
        inner = InnerMessage("hash" if len(signed) == 32 else "bytes", signed)
    else:
        raise PayloadError("message must be a text, a typed-data object or a 0x hash", "message")
    if signed is not None and signed != inner.signed_bytes:
        findings.append(Finding(FindingCode.CLAIMED_HASH_MISMATCH, Severity.CRITICAL, None,
                                f"The SafeMessage signs 0x{signed.hex()}, but the original message given hashes to "
                                f"0x{inner.signed_bytes.hex()}: the original shown is not what is signed"))
        inner = InnerMessage("hash" if len(signed) == 32 else "bytes", signed)
    return inner


class _Judged:
    """What the message rules report through: findings (`add(code, severity, text)`), and the effects
    the message signs, judged by the same allowance rule as a transaction's calls (decoders/findings.py
    `allowance_finding`: the same "unlimited" bound, the same standing-allowance rule)."""

    def __init__(self, found: list[Finding], safe: str, chain_id: int | None, now: int, names: Names | None):
        self.found, self.safe, self.chain_id, self.now = found, safe, chain_id, now
        self.names = names or Names(chain_id, safe)
        self.allowances: list[Allowance] = []
        self.assets: list[AssetMovement] = []

    def __call__(self, code: str, severity: str, message: str) -> None:
        self.found.append(Finding(code, severity, "message", message))

    def _effects(self) -> Effects:
        own = {self.safe.lower(): "this Safe"}
        effects = Effects(assets=tuple(self.assets), allowances=tuple(self.allowances))
        return Effects(assets=effects.assets, allowances=effects.allowances,
                       counterparties=tuple(counterparties_of(effects, self.names, own, knowledge())))

    def allowance(self, allowance: Allowance) -> None:
        self.allowances.append(allowance)
        self.found.append(allowance_finding(allowance, self._effects(), self.chain_id, self.now, "message"))

    def effects(self) -> Effects:
        return self._effects()


def inner_findings(inner: InnerMessage, safe: str, now: int, chain_id: int | None = None,
                   names: Names | None = None) -> list[Finding]:
    return judge_inner(inner, safe, now, chain_id, names)[0]


def judge_inner(inner: InnerMessage, safe: str, now: int, chain_id: int | None = None,
                names: Names | None = None) -> tuple[list[Finding], Effects]:
    found: list[Finding] = []
    add = _Judged(found, safe, chain_id, now, names)
    if inner.kind in ("hash", "bytes"):
        add(FindingCode.OPAQUE_APPROVAL, Severity.WARN,
            f"The Safe signs 0x{inner.signed_bytes.hex()}: {'a hash' if inner.kind == 'hash' else 'raw bytes'} whose "
            "content this review cannot see (ask for the original text or typed data)")
        return found, add.effects()
    if inner.kind == "text":
        found += _deceptive_text([("text", inner.text or "")])
        return found, add.effects()
    # Typed data is read only through its hash-bound view (decoders/typed_view.py): the signed members.
    view = inner.typed_view
    assert view is not None  # a typed-data InnerMessage is built from its view
    if view.undeclared:
        found.append(_undeclared_finding(view.undeclared))
    found += _deceptive_text(view.strings())
    primary, message, domain = view.primary_type, view.message, view.domain
    found += message_lookalike_findings(view, add.names)
    if primary == "SafeTx" and is_safe_tx_layout(view):
        found += safe_tx_message_findings(view, safe, add.names)
        return found, add.effects()
    rule = _TYPED_RULES.get(primary)
    if rule is None:
        add(FindingCode.UNKNOWN_TYPED_DATA, Severity.WARN,
            f"The Safe signs typed data of type {primary!r} for domain {domain.get('name', '?')!r} "
            f"({domain.get('verifyingContract', 'no contract')}): Coldsight has no rule for what it authorizes")
    else:
        rule(add, message, domain, safe, now)
    return found, add.effects()


def _undeclared_finding(paths: tuple[str, ...]) -> Finding:
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    return Finding(FindingCode.TYPED_DATA_UNDECLARED, Severity.CRITICAL, "message",
                   f"The typed data carries members its types do not declare ({shown}): they are not signed, a wallet "
                   "drops them, and they may be there to make the message look like something else. This review "
                   "ignores them and judges only what is signed")


def _deceptive_text(texts: list[tuple[str, str]]) -> list[Finding]:
    found = []
    for where, text in texts:
        if text.isprintable():
            continue
        points = [p for p in deceptive_code_points(text) if p not in ("U+000A", "U+0009")]
        if points:
            listed = ", ".join(points[:4]) + (f" and {len(points) - 4} more" if len(points) > 4 else "")
            found.append(Finding(FindingCode.DECEPTIVE_TEXT, Severity.WARN, "message",
                                 f"The message's {where} contains invisible or terminal-control characters ({listed}) "
                                 "that can make text look like something else; they are shown escaped (\\u…), read the raw value"))
    return found


def _expiry_words(expiry: int, now: int, maximum: int) -> tuple[str, bool]:
    if expiry >= maximum:
        return "never expires", True
    if expiry - now > LONG_EXPIRY_SECONDS:
        return f"valid for {(expiry - now) // 86400} more days", True
    return f"expires at unix time {expiry}", False


def _permit(add, message, domain, safe, now) -> None:
    """EIP-2612 / DAI permit: once submitted (by anyone, until its deadline) the allowance it sets never
    expires, so its expiry in the model is none; the deadline only bounds when it can be submitted."""
    contract = domain.get("verifyingContract")
    token = parse_address(contract, "message.domain.verifyingContract") if contract is not None else "0x" + "00" * 20
    spender = parse_address(message.get("spender"), "message.message.spender")
    owner = message.get("owner") or message.get("holder") or safe
    owner = parse_address(owner, "message.message.owner")
    if "allowed" in message:  # DAI-style permit(holder, spender, nonce, expiry, allowed)
        expiry, _ = _expiry_words(parse_uint(message.get("expiry"), "message.message.expiry"), now, (1 << 256) - 1)
        amount = None if message["allowed"] is True else 0
        add.allowance(Allowance("message", token, owner, spender, amount, None, f"signed DAI permit, submittable: {expiry}"))
        return
    value = parse_uint(message.get("value"), "message.message.value")
    deadline, _ = _expiry_words(parse_uint(message.get("deadline"), "message.message.deadline"), now, (1 << 256) - 1)
    add.allowance(Allowance("message", token, owner, spender, value, None,
                            f"signed EIP-2612 permit, submittable: {deadline}"))


def _object(value: object, where: str) -> dict:
    """A struct member the rule needs; its declared type may differ from the protocol's, so it is checked."""
    if not isinstance(value, dict):
        raise PayloadError("expected an object here (the typed data does not have the protocol's types)", where)
    return value


def _list(value: object, where: str) -> list:
    if not isinstance(value, list):
        raise PayloadError("expected a list here (the typed data does not have the protocol's types)", where)
    return value


def _permit2_details(add, details: dict, spender: str, where: str, now: int) -> None:
    details = _object(details, where)
    token = parse_address(details.get("token"), f"{where}.token")
    amount = parse_uint(details.get("amount"), f"{where}.amount", 160)
    expiration = parse_uint(details.get("expiration"), f"{where}.expiration", 48)
    expiry = None if expiration >= MAX_UINT48 else (now if expiration == 0 else expiration)
    add.allowance(Allowance("message", token, add.safe, spender, amount, expiry, "signed Permit2 allowance", via=PERMIT2))


def _permit2_single(add, message, domain, safe, now) -> None:
    spender = parse_address(message.get("spender"), "message.message.spender")
    _permit2_details(add, message.get("details"), spender, "message.message.details", now)


def _permit2_batch(add, message, domain, safe, now) -> None:
    spender = parse_address(message.get("spender"), "message.message.spender")
    for index, details in enumerate(_list(message.get("details"), "message.message.details")):
        _permit2_details(add, details, spender, f"message.message.details[{index}]", now)


def _permit2_transfer(add, message, domain, safe, now) -> None:
    spender = parse_address(message.get("spender"), "message.message.spender")
    deadline = parse_uint(message.get("deadline"), "message.message.deadline") if "deadline" in message else None
    permitted = message.get("permitted")
    items = permitted if isinstance(permitted, list) else [permitted]
    for index, item in enumerate(items):
        item = _object(item, f"message.message.permitted[{index}]")
        token = parse_address(item.get("token"), f"message.message.permitted[{index}].token")
        amount = parse_uint(item.get("amount"), f"message.message.permitted[{index}].amount")
        add.allowance(Allowance("message", token, safe, spender, amount, deadline,
                                "signed Permit2 one-time transfer", via=PERMIT2))


def _cow_order(add, message, domain, safe, now) -> None:
    if domain.get("name") != "Gnosis Protocol":  # GPv2Settlement's EIP-712 domain name
        add(FindingCode.UNKNOWN_TYPED_DATA, Severity.WARN, f"The Safe signs an `Order` for domain {domain.get('name')!r}: Coldsight has "
            "no rule for that protocol's orders")
        return
    receiver = parse_address(message.get("receiver"), "message.message.receiver")
    sell = f"{parse_uint(message.get('sellAmount'), 'message.message.sellAmount')} of {message.get('sellToken')}"
    buy = f"at least {parse_uint(message.get('buyAmount'), 'message.message.buyAmount')} of {message.get('buyToken')}"
    paid_to = safe if int(receiver, 16) == 0 else receiver
    buy_token = message.get("buyToken")
    add.assets.append(AssetMovement("message", str(buy_token), "CoW Protocol settlement", paid_to,
                                    parse_uint(message.get("buyAmount"), "message.message.buyAmount"), "proceeds",
                                    "at least", function="CoW order"))
    if int(receiver, 16) not in (0, int(safe, 16)):  # the zero receiver means the order's owner (GPv2Order.sol)
        add(FindingCode.ORDER_RECEIVER, Severity.CRITICAL,
            f"Signs a CoW Protocol order selling {sell} for {buy}, paid to {receiver}, not to this Safe")
    else:
        add(FindingCode.TOKEN_APPROVAL, Severity.WARN, f"Signs a CoW Protocol order selling {sell} for {buy}, paid to this Safe")


def is_safe_tx_layout(view: TypedView) -> bool:
    """The types are exactly a Safe's SafeTx and domain (decoders/formats/typed_data.py): only then is the
    digest a transaction hash a Safe checks. Any other `SafeTx` is unknown typed data (no rule)."""
    def shape(members: list[dict]) -> list[dict]:
        return [{"name": m["name"], "type": m["type"]} for m in members]

    return (shape(view.types.get("SafeTx", [])) in (SAFE_TX_BASEGAS, SAFE_TX_DATAGAS)
            and shape(view.types.get("EIP712Domain", [])) in (DOMAIN_NO_CHAIN, DOMAIN_WITH_CHAIN))


def message_lookalike_findings(view: TypedView, names: Names) -> list[Finding]:
    """ADDRESS_LOOKALIKE for every signed address member that looks like another named address; critical
    when its member says it receives something (spender, to, receiver, operator, …)."""
    found = []
    for where, value in _addresses_in_view(view):
        matches = names.lookalike_matches(value)
        if not matches:
            continue
        member = where.rsplit(".", 1)[-1].split("[", 1)[0]
        receives = member.lstrip("_").lower() in RECEIVING_ARGUMENTS or member in ("spender", "receiver")
        alike = " / ".join(f"{name} {other}" for name, other in matches)
        found.append(Finding(FindingCode.ADDRESS_LOOKALIKE, Severity.CRITICAL if receives else Severity.WARN, "message",
                             f"{mark_differences(value, matches[0][1])} ({where}) starts and ends like {alike} "
                             "(differences in [brackets]): check every character, it may be an address-poisoning "
                             "lookalike" + (", and the message gives it something" if receives else "")))
    return found


def _addresses_in_view(view: TypedView) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    stack: list[tuple[str, object]] = [("domain", view.domain), ("message", view.message)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{where}.{key}", item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
        elif isinstance(value, str) and len(value) == 42 and value[:2] == "0x" and _is_hex(value[2:]):
            found.append((where, value))  # address members (EIP-55 in the view), and any 20-byte hex text
    return sorted(found)


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def safe_tx_message_findings(view: TypedView, safe: str, names: Names | None = None) -> list[Finding]:
    """A SafeTx of another Safe signed as a message (this Safe owns that Safe and signs its transaction
    through EIP-1271): reviewed like a transaction, with the top level's rules at every depth (operation,
    target, settings, handler routing, refund, nested Safes), its findings under the path `message:…`."""
    message, where = view.message, "message.message"
    gas_key = "baseGas" if "baseGas" in message else "dataGas"
    fields = ("to", "value", "data", "operation", "safeTxGas", gas_key, "gasPrice", "gasToken", "refundReceiver", "nonce")
    missing = [name for name in fields if name not in message]
    if missing:
        raise PayloadError(f"a SafeTx message needs the SafeTx members; missing {', '.join(missing)}", where)
    operation = parse_uint(message["operation"], f"{where}.operation", 8)
    if operation > 1:
        raise PayloadError(f"operation {operation} is neither CALL (0) nor DELEGATECALL (1)", f"{where}.operation")
    tx = SafeTx(to=parse_address(message["to"], f"{where}.to"), value=parse_uint(message["value"], f"{where}.value"),
                data=parse_bytes(message["data"], f"{where}.data"), operation=operation,
                safe_tx_gas=parse_uint(message["safeTxGas"], f"{where}.safeTxGas"),
                base_gas=parse_uint(message[gas_key], f"{where}.{gas_key}"),
                gas_price=parse_uint(message["gasPrice"], f"{where}.gasPrice"),
                gas_token=parse_address(message["gasToken"], f"{where}.gasToken"),
                refund_receiver=parse_address(message["refundReceiver"], f"{where}.refundReceiver"),
                nonce=parse_uint(message["nonce"], f"{where}.nonce"))
    target = view.get("domain.verifyingContract")
    if not isinstance(target, str):
        raise PayloadError("a SafeTx message's domain must name the Safe (verifyingContract)", "message.domain")
    chain = view.get("domain.chainId")
    # The layout tells the hash family (decoders/safetx.py): dataGas is 0.1.0; baseGas with the chain id 1.3.0+.
    version = SafeVersion.parse("0.1.0" if gas_key == "dataGas" else "1.3.0" if chain is not None else "1.1.1")
    context = Context(chain if isinstance(chain, int) else None, target, version)
    root = build_call_tree(tx, context, bundled_registry())
    inner = tree_findings(root, context) + inner_safe_findings(root, context)
    inner += refund_findings_at(tx, target, context, "0", safe)
    if names is not None:
        inner += lookalike_findings(root, Names(names.chain_id, names.safe, names.book, names.labels))
    prefix = f"[transaction of Safe {target}, nonce {tx.nonce}, signed as a message] "
    found = [Finding(FindingCode.OPAQUE_APPROVAL, Severity.WARN, "message",
                     f"Signs transaction {tx.nonce} of Safe {target} (this Safe is its owner): a signature that lets "
                     "that Safe execute it; its calls are reviewed below")]
    found += [Finding(f.code, f.severity, f"message:{f.path}" if f.path is not None else "message", prefix + f.message)
              for f in inner]
    return found


def _nested_safe_tx(add, message, domain, safe, now) -> None:
    target = domain.get("verifyingContract", "?")
    add(FindingCode.OPAQUE_APPROVAL, Severity.WARN,
        f"Signs a transaction of Safe {target} (this Safe is its owner): review that transaction itself with "
        "`coldsight verify` before signing this message")


# Rules by primary type: EIP-2612 and DAI `Permit`; Uniswap/permit2 src/libraries/{PermitHash,
# AllowanceTransfer}.sol; CoW Protocol GPv2Order.sol `Order`; Safe's own SafeMessage (a SafeTx is
# reviewed as a transaction: safe_tx_message_findings).
_TYPED_RULES = {
    "Permit": _permit,
    "PermitSingle": _permit2_single,
    "PermitBatch": _permit2_batch,
    "PermitTransferFrom": _permit2_transfer,
    "PermitBatchTransferFrom": _permit2_transfer,
    "PermitWitnessTransferFrom": _permit2_transfer,
    "Order": _cow_order,
    "SafeMessage": _nested_safe_tx,
}


def describe_short(review: MessageReview) -> str:
    what = {"text": "a text message", "typed-data": "typed data", "hash": "a bare hash", "bytes": "raw bytes"}
    return f"Safe {short_address(review.safe)} signs {what.get(review.inner.kind, review.inner.kind)}"


def load_message_document(text: str, source: str) -> object:
    """The message document in a file's text: JSON, or `ur:` text (an eth-sign-request carrying the
    SafeMessage typed data, data type 2, or ur:bytes holding the JSON)."""
    stripped = text.strip()
    if stripped[:3].lower() != "ur:":
        return strictjson.loads(stripped, source)
    # the UR codec loads when a UR arrives (decoders.formats does the same)
    from .formats.ur_format import assemble_ur
    from .ur import strict_cbor
    from .ur.eip4527 import EthDataType, EthSignRequest

    ur = assemble_ur(stripped, source)
    if ur.type == "eth-sign-request":
        request = EthSignRequest.from_cbor(ur.cbor)
        if request.data_type is not EthDataType.TYPED_DATA:
            raise PayloadError(f"this eth-sign-request holds data type {int(request.data_type)}, not typed data", source)
        document = strictjson.loads(decode_text(request.sign_data, source), source)
        if isinstance(document, dict) and isinstance(request.chain_id, int):
            domain_chain = (document.get("domain") or {}).get("chainId") if isinstance(document.get("domain"), dict) else None
            if domain_chain is not None and parse_uint(domain_chain, "domain.chainId") != request.chain_id:
                raise PayloadError(f"the request says chain id {request.chain_id} but the typed data says {domain_chain}",
                                   source, "a wallet signs for the domain's chain; do not sign until the two agree")
        return document
    if ur.type == "bytes":
        raw = strict_cbor.decode(ur.cbor, f"{source} (ur:bytes)", frozenset())
        if not isinstance(raw, bytes):
            raise PayloadError("ur:bytes does not hold a byte string", source)
        return strictjson.loads(decode_text(raw, source), source)
    raise PayloadError(f"UR type '{ur.type}' is not a Safe message format", source)
