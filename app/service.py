"""The review service: the one "request in, review out" path every front end calls.

    request = ReviewRequest(payload="tx.json", policy=Path("treasury.toml"))
    review = review(request)            # a Review (transaction) or a MessageItem (Safe message)

A `ReviewRequest` says what to review (PAYLOAD, or pasted/scanned text), what kind it is
(`PayloadKind`: auto-detected unless told) and with what (policy, address book, ABIs, the
executor's Safe nonce, the child transaction a parent approves, the Transaction Builder file it
was made from, a state snapshot). Every door builds one: `verify`, `render`, `sign`, `qr`,
`policy test` and the GUI's open, scan, paste and drop. None of them composes verification
and policy itself. argparse stays in `app/cmd_*.py`: they turn their Namespace into a request
with `options_from_args` in `cmd_verify`, so a misspelt option is an AttributeError there.

Pipeline (each stage that adds findings runs before the core's Report exists):
    read input -> detect kind -> parse (transaction / executor / message)
    -> child verified first -> verify (hashes, calls, EVM, builder file, child link) -> Report
    -> policy -> Review(report, policy, book)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from decoders.addressbook import AddressBook, Entry
from decoders.errors import ColdsightError, ContextError
from decoders.findings import Finding
from decoders.messages import MessageReview, is_message_document, load_message_document, review_message
from decoders.report import Report
from decoders.safetx import Payload
from decoders.verify import VerifyOptions, verify_payload
from decoders.vocabulary import Verdict, worst_verdict
from policies.result import PolicyResult, effective_waiver, judged_verdict
from policies.rollback import STORE_NAME, SerialStore, default_state_dir
from . import payload_input
from .addressbook_store import load_store, read_file
from .payload_input import read_bytes
from decoders import strictjson
from decoders.formats import parse_text
from decoders.formats.executor_tx import parse_executor_request
from decoders.formats.tx_builder import is_batch_file, load_batch_file
from decoders.hexutil import parse_address
from decoders.nested import approved_hashes
from policies import evaluate, evaluate_message
from policies.load import load_policy
from policies.machine_config import load_machine_config
from policies.signing import DEFAULT_TRUST_FILE, is_example_trust, load_trust

if TYPE_CHECKING:
    from policies.load import LoadedPolicy

    from .qr.scan import FrameUpdate


class PayloadKind(enum.StrEnum):
    """What a request's input is. AUTO reads it and decides (`detect_kind`)."""

    AUTO = "auto"
    TRANSACTION = "transaction"  # a Safe transaction (JSON, ur:eth-sign-request of SafeTx typed data, ...)
    MESSAGE = "message"  # a Safe message (EIP-1271): {safe, chainId, safeVersion, message} or SafeMessage typed data
    EXECUTOR = "executor"  # the executor's Ethereum transaction calling execTransaction (needs executor_nonce)
    BUILDER = "builder"  # a Transaction Builder batch file: never reviewed alone (it has no nonce); see tx_builder


def state_dir() -> Path:
    """Where this machine keeps policy serials (anti-rollback) and the review log.

    The one resolver: the policy engine's ($COLDSIGHT_STATE_DIR, else ~/.local/state/coldsight).
    Both files must live side by side; moving the serial record would silently forget which
    policy serials were seen, which re-opens the door to rollbacks."""
    return default_state_dir()


@dataclass(frozen=True)
class ReviewRequest:
    """Everything that decides what is reviewed and how (the command line's payload options)."""

    payload: str | None = None  # file path, "-", an image/video/folder, or "camera:N"; with `text`: its source name
    chain_id: int | None = None
    safe: str | None = None
    safe_version: str | None = None
    abi_dir: Path | None = None
    policy: Path | None = None
    unsigned_policy: bool = False  # accept an unsigned draft (every result marked UNSIGNED POLICY)
    trust: Path | None = None  # trust.toml pinning the policy signers; None: the shipped one
    state_dir: Path | None = None  # None: state_dir() at the time of use
    address_book: Path | None = None  # None: the imported book in the state directory (if any)
    kind: PayloadKind = PayloadKind.AUTO
    text: str | None = None  # pasted or scanned text instead of reading `payload`
    executor_nonce: int | None = None  # with kind EXECUTOR: the Safe nonce execTransaction executes
    child: str | None = None  # the child Safe's transaction (a PAYLOAD) this one approves (approveHash)
    tx_builder: Path | None = None  # the Transaction Builder file this transaction was made from
    snapshot: Path | None = None  # a proven state snapshot (--state, app/state_input.py); None: static review only

    def with_payload(self, payload: str) -> ReviewRequest:
        return replace(self, payload=payload, text=None)

    def with_text(self, text: str, source: str) -> ReviewRequest:
        return replace(self, payload=source, text=text)

    @property
    def verify_options(self) -> VerifyOptions:
        return VerifyOptions(chain_id=self.chain_id, safe=self.safe, safe_version=self.safe_version,
                             abi_dir=self.abi_dir)

    @property
    def resolved_state_dir(self) -> Path:
        return self.state_dir if self.state_dir is not None else state_dir()


ReviewOptions = ReviewRequest  # the name front ends used before the request carried its kind


@dataclass(frozen=True)
class Review:
    """One reviewed transaction: the core's Report and, with a policy, its typed result.

    The Report is policy-free; the verdict that counts (findings less the signed policy's waivers,
    and the policy's own verdict) is this object's."""

    report: Report
    policy: PolicyResult | None = None
    address_book: AddressBook | None = None  # the names used (team book + policy [addresses])
    child: Review | None = None  # the child Safe's transaction this one approves (approveHash), reviewed with it

    def waiver_for(self, finding: Finding) -> str | None:
        """The policy's `allow_dangerous` reason that waives this finding, if any."""
        return effective_waiver(finding, self.policy)

    @property
    def effective_findings(self) -> list[Finding]:
        """Findings that count for the verdict: all of them, less those a signed policy waived."""
        return [f for f in self.report.findings if self.waiver_for(f) is None]

    @property
    def verdict(self) -> Verdict:
        return judged_verdict(self.report.findings, self.policy)

    def as_json(self) -> dict[str, Any]:
        """The `coldsight.report/1` document: the Report's, with the policy, its waivers and verdict."""
        document = self.report.as_json()
        document["verdict"] = self.verdict
        if self.policy is not None:
            document["findings"] = [dict(f.as_json(), waivedBy=waiver) if (waiver := self.waiver_for(f)) else f.as_json()
                                    for f in self.report.findings]
            document["policy"] = self.policy.as_json()
        return document


@dataclass(frozen=True)
class MessageItem:
    """One reviewed Safe message (EIP-1271): the core's MessageReview and, with a policy, its result.

    The message's verdict is the worse of its findings' and the policy's, as for a transaction."""

    message: MessageReview
    policy: PolicyResult | None = None
    address_book: AddressBook | None = None

    @property
    def verdict(self) -> Verdict:
        verdicts = [self.message.verdict] + ([self.policy.verdict] if self.policy is not None else [])
        return worst_verdict(*verdicts)

    def as_json(self) -> dict[str, Any]:
        document = self.message.as_json()
        if self.policy is not None:
            document["policy"] = self.policy.as_json()
            document["verdict"] = self.verdict
        return document


AnyReview = Review | MessageItem  # what a review screen, the text report and the review log accept


def load_policy_for_use(options: ReviewRequest, record_serial: bool = True) -> LoadedPolicy:
    """The policy named by `options`, as verify uses it: signed against the trust file unless
    `unsigned_policy`. `record_serial=False` only looks (no anti-rollback record is written)."""
    # The machine's config may require a policy and pin the trust file (policies/machine_config.py).
    config = load_machine_config()
    if config is not None:
        policy_path, trust_path = config.resolve(options.policy, options.unsigned_policy, options.trust)
        options = replace(options, policy=policy_path, trust=trust_path)
    if options.policy is None:
        raise ValueError("no policy in these options")  # a caller bug, not user input
    trust = None if options.unsigned_policy else load_trust(options.trust or DEFAULT_TRUST_FILE)
    if config is not None and trust is not None:
        config.check_trust(is_example_trust(trust))
    store = SerialStore(options.resolved_state_dir / STORE_NAME) if record_serial else None
    return load_policy(options.policy, trust=trust, allow_unsigned=options.unsigned_policy, store=store)


def policy_required() -> bool:
    """This machine's config makes a signed policy mandatory for every review."""
    config = load_machine_config()
    return config is not None and config.require_policy


class NeedsInput(ContextError):
    """The input is understood, but its review needs something only the signer can give: the Safe
    nonce an executor's transaction executes, or the transaction a Transaction Builder file was made
    from. The CLI reports it (its flag names the input); the GUI asks for it in the window."""

    def __init__(self, kind: PayloadKind, message: str, where: str, request: ReviewRequest):
        super().__init__(message, where)
        self.kind = kind
        self.request = request


# -- reading the input ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Input:
    """What a request's input holds, as text (every payload format is text; a QR's is what it
    scanned to), and where it came from."""

    text: str
    source: str


def read_input(request: ReviewRequest, on_update: Callable[[FrameUpdate], None] | None = None) -> Input:
    """The request's text, or PAYLOAD read as `payload_input` reads it (files, stdin, QR pictures,
    videos, cameras)."""
    if request.text is not None:
        return Input(request.text, request.payload or "pasted text")
    if request.payload is None:
        raise ValueError("no payload in this request")  # a caller bug: the parser requires one
    text, source = payload_input.read_text(request.payload, on_update)
    return Input(text, source)


def detect_kind(found: Input) -> PayloadKind:
    """What the input is, read from its content (never from its file name). Input that is none of
    them is a TRANSACTION: the transaction parser says what is wrong with it."""
    stripped = found.text.strip()
    if stripped[:3].lower() == "ur:":
        if _is_executor_request(stripped):
            return PayloadKind.EXECUTOR
        return PayloadKind.MESSAGE if message_document_in_text(stripped, found.source) is not None \
            else PayloadKind.TRANSACTION
    if stripped[:1] != "{":
        return PayloadKind.TRANSACTION

    try:
        document = strictjson.loads(stripped, found.source)
    except ColdsightError:
        return PayloadKind.TRANSACTION
    if is_message_document(document):
        return PayloadKind.MESSAGE
    return PayloadKind.BUILDER if is_batch_file(document) else PayloadKind.TRANSACTION


def _is_executor_request(text: str) -> bool:
    """An `ur:eth-sign-request` holding an Ethereum transaction (data type 1 or 4): the executor's."""
    from decoders.formats.ur_format import assemble_ur, looks_like_ur  # the UR codec loads when a UR arrives
    from decoders.ur.eip4527 import EthDataType, EthSignRequest

    if not looks_like_ur(text):
        return False
    try:
        ur = assemble_ur(text.strip(), "input")
        if ur.type != "eth-sign-request":
            return False
        request = EthSignRequest.from_cbor(ur.cbor)
    except ColdsightError:
        return False
    return request.data_type in (EthDataType.LEGACY_TRANSACTION, EthDataType.TYPED_TRANSACTION)


def message_document_in_text(text: str, source: str) -> object | None:
    """The Safe message document `text` holds (JSON, or `ur:` text carrying SafeMessage typed data),
    or None when it is anything else: a transaction, or input the transaction path reports on."""
    try:
        document = load_message_document(text, source)
    except ColdsightError:
        return None
    return document if is_message_document(document) else None


# -- the one review -----------------------------------------------------------------------------------
def review(request: ReviewRequest, payload: Payload | None = None,
           on_update: Callable[[FrameUpdate], None] | None = None) -> AnyReview:
    """Review what `request` names: a transaction (with its child, builder file and executor nonce
    when given) or a Safe message, with the policy and address book. `payload`: a transaction the
    caller already parsed (`sign` keeps the eth-sign-request it came in).

    Raises ColdsightError (PayloadError, ContextError, PolicyError, ...) for input that cannot be reviewed."""
    loaded = load_policy_for_use(request) if request.policy is not None or policy_required() else None
    book = address_book_for(request, loaded)
    if payload is None:
        found = read_input(request, on_update)
        kind = detect_kind(found) if request.kind is PayloadKind.AUTO else request.kind
        if kind is PayloadKind.MESSAGE:
            return _review_message(request, found, loaded, book)
        payload = _parse_transaction(request, found, kind)
    return _review_transaction(request, payload, loaded, book)


def _parse_transaction(request: ReviewRequest, found: Input, kind: PayloadKind) -> Payload:
    if kind is PayloadKind.BUILDER:
        raise NeedsInput(kind, "this is a Transaction Builder batch file, not a Safe transaction (it has no nonce): "
                         "review the transaction made from it, with this file as its builder file (--tx-builder)",
                         found.source, request.with_text(found.text, found.source))
    if kind is PayloadKind.EXECUTOR or request.executor_nonce is not None:
        return _executor_payload(request, found)
    return parse_text(found.text, found.source)


def _executor_payload(request: ReviewRequest, found: Input) -> Payload:
    if request.executor_nonce is None:
        raise NeedsInput(PayloadKind.EXECUTOR, "this is the executor's transaction (it calls execTransaction, which "
                         "carries no nonce): give the Safe nonce it executes (--executor-nonce N)", found.source,
                         request.with_text(found.text, found.source))
    payload = parse_executor_request(found.text, request.executor_nonce, found.source)
    if request.safe is not None and parse_address(request.safe, "--safe") != payload.safe:
        raise ContextError(f"the executor's transaction calls Safe {payload.safe}, not --safe {request.safe}", "--safe")
    return payload


def _review_transaction(request: ReviewRequest, payload: Payload, loaded: LoadedPolicy | None,
                        book: AddressBook) -> Review:
    child = None
    if request.child is not None:
        # The child is verified on its own (its Safe and version come from its payload, no policy), first:
        # its findings are a stage of the parent's verification (decoders.nested.child_link_findings).
        child_request = replace(request, payload=request.child, text=None, kind=PayloadKind.TRANSACTION,
                                safe=None, safe_version=None, policy=None, child=None, tx_builder=None,
                                executor_nonce=None)
        child = _review_transaction(child_request, _parse_transaction(child_request, read_input(child_request),
                                                                      PayloadKind.TRANSACTION), None, book)
    batch_file = None
    if request.tx_builder is not None:
        batch_file = load_batch_file(*read_bytes(str(request.tx_builder)))
    options = replace(request.verify_options, address_book=book, batch_file=batch_file,
                      child=child.report if child is not None else None)
    report = verify_payload(payload, options)
    if request.snapshot is not None:  # before the policy: its findings count like any other (app/state_input.py)
        from .state_input import apply_state  # the snapshot reader (and its UR codec) loads with a snapshot

        report = apply_state(report, str(request.snapshot))
    policy = None
    if loaded is not None:
        policy = evaluate(loaded, report)
    return Review(report=report, policy=policy, address_book=book, child=child)


def _review_message(request: ReviewRequest, found: Input, loaded: LoadedPolicy | None,
                    book: AddressBook) -> MessageItem:
    document = load_message_document(found.text, found.source)
    message = review_message(document, chain_id=request.chain_id, safe=request.safe, safe_version=request.safe_version,
                             address_book=book)  # names the spenders and receivers it signs for (issue 18)
    policy = None
    if loaded is not None:
        policy = evaluate_message(loaded, message)
    return MessageItem(message=message, policy=policy, address_book=book)


def address_book_for(options: ReviewRequest, loaded: LoadedPolicy | None = None) -> AddressBook:
    """The names a review shows: the team's imported book, then the policy's [addresses] over it."""
    book = read_file(options.address_book) if options.address_book else load_store(options.resolved_state_dir)
    if loaded is not None:
        policy_book = AddressBook()
        for entry in loaded.policy.book.values():
            policy_book.add(Entry(entry.chain, entry.address, entry.label))
        book = book.merged(policy_book)
    return book


def approves_hashes(result: AnyReview) -> bool:
    """A transaction that approves a hash (approveHash) whose child transaction was not given: the
    approval is opaque until the child is reviewed with it (the GUI offers to open it)."""
    if not isinstance(result, Review) or result.child is not None:
        return False
    return any(node.function is not None and node.function.name == "approveHash" and approved_hashes(node.data)
               is not None for node in result.report.root.walk())


# -- the same review, under the names front ends and tests used before the request --------------------
def review_payload(options: ReviewRequest, payload: Payload | None = None,
                   on_update: Callable[[FrameUpdate], None] | None = None) -> Review:
    """A transaction review (`review` with kind TRANSACTION unless the request says otherwise)."""
    kind = options.kind if options.kind is not PayloadKind.AUTO else PayloadKind.TRANSACTION
    result = review(replace(options, kind=kind), payload, on_update)
    assert isinstance(result, Review)  # kind is never MESSAGE here
    return result


def review_nested(options: ReviewRequest, child_payload: str) -> Review:
    """A parent Safe's transaction that approves (approveHash) a child Safe's transaction, reviewed with it."""
    return review_payload(replace(options, child=child_payload))


def review_message_payload(options: ReviewRequest) -> MessageItem:
    result = review(replace(options, kind=PayloadKind.MESSAGE))
    assert isinstance(result, MessageItem)
    return result


def review_any(options: ReviewRequest) -> AnyReview:
    """A transaction or a Safe message, whichever the PAYLOAD holds."""
    return review(options)


def review_text(text: str, source: str, options: ReviewRequest) -> AnyReview:
    """Review pasted or scanned text (`ur:` parts or JSON) exactly as a file would be."""
    return review(options.with_text(text, source))
