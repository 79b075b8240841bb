"""The review service: the one "payload in, verdict out" path every front end calls.

    options = ReviewOptions(payload="tx.json", policy=Path("treasury.toml"))
    review = review_payload(options)            # a Review: the core Report + the policy's result

The CLI (`cmd_verify`, `cmd_render`, `cmd_qr`, `cmd_policy`), the GUI session and its scan
worker all build a `ReviewOptions` and call these functions; none of them composes
verification and policy itself. argparse stays in `app/cmd_*.py`: they turn their Namespace
into a `ReviewOptions` with `options_from_args` in `cmd_verify`, so a misspelt option is an
AttributeError there, never a silent `None` here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from decoders.addressbook import AddressBook, Entry
from decoders.messages import MessageReview
from decoders.report import Report
from decoders.safetx import Payload
from decoders.verify import VerifyOptions, verify_payload
from policies.result import PolicyResult
from policies.rollback import STORE_NAME, SerialStore, default_state_dir

if TYPE_CHECKING:
    from policies.load import LoadedPolicy

    from .qr.scan import FrameUpdate


def state_dir() -> Path:
    """Where this machine keeps policy serials (anti-rollback) and the review log.

    The one resolver: the policy engine's ($COLDSIGHT_STATE_DIR, else ~/.local/state/coldsight).
    Both files must live side by side; moving the serial record would silently forget which
    policy serials were seen, which re-opens the door to rollbacks."""
    return default_state_dir()


@dataclass(frozen=True)
class ReviewOptions:
    """Everything that decides how a payload is reviewed (the command line's payload options)."""

    payload: str | None = None  # file path, "-", an image/video/folder, or "camera:N"
    chain_id: int | None = None
    safe: str | None = None
    safe_version: str | None = None
    abi_dir: Path | None = None
    policy: Path | None = None
    unsigned_policy: bool = False  # accept an unsigned draft (every result marked UNSIGNED POLICY)
    trust: Path | None = None  # trust.toml pinning the policy signers; None: the shipped one
    state_dir: Path | None = None  # None: state_dir() at the time of use
    address_book: Path | None = None  # None: the imported book in the state directory (if any)
    state: str | None = None  # a proven snapshot (--state): the transaction is run on it (app/state_input.py)

    def with_payload(self, payload: str) -> ReviewOptions:
        return replace(self, payload=payload)

    @property
    def verify_options(self) -> VerifyOptions:
        return VerifyOptions(chain_id=self.chain_id, safe=self.safe, safe_version=self.safe_version,
                             abi_dir=self.abi_dir)

    @property
    def resolved_state_dir(self) -> Path:
        return self.state_dir if self.state_dir is not None else state_dir()


@dataclass(frozen=True)
class Review:
    """One reviewed transaction: the core's Report and, with a policy, its typed result.

    `report.policy` holds the same object (the Report needs it for waivers and its verdict);
    front ends read it from here, typed, never through getattr on `report.policy`."""

    report: Report
    policy: PolicyResult | None = None
    address_book: AddressBook | None = None  # the names used (team book + policy [addresses])
    child: Review | None = None  # the child Safe's transaction this one approves (approveHash), reviewed with it

    @property
    def verdict(self) -> str:
        return self.report.verdict


@dataclass(frozen=True)
class MessageItem:
    """One reviewed Safe message (EIP-1271): the core's MessageReview and, with a policy, its result.

    The message's verdict is the worse of its findings' and the policy's, as for a transaction."""

    message: MessageReview
    policy: PolicyResult | None = None
    address_book: AddressBook | None = None

    @property
    def verdict(self) -> str:
        from decoders.vocabulary import worst_verdict

        verdicts = [self.message.verdict] + ([self.policy.verdict] if self.policy is not None else [])
        return worst_verdict(*verdicts)


AnyReview = Review | MessageItem  # what a review screen, the text report and the review log accept


def load_policy_for_use(options: ReviewOptions, record_serial: bool = True) -> LoadedPolicy:
    """The policy named by `options`, as verify uses it: signed against the trust file unless
    `unsigned_policy`. `record_serial=False` only looks (no anti-rollback record is written)."""
    from policies.load import load_policy
    from policies.machine_config import load_machine_config
    from policies.signing import DEFAULT_TRUST_FILE, is_example_trust, load_trust

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
    from policies.machine_config import load_machine_config

    config = load_machine_config()
    return config is not None and config.require_policy


def load_payload(options: ReviewOptions, on_update: Callable[[FrameUpdate], None] | None = None) -> Payload:
    """Read and parse the PAYLOAD `options` names (files, stdin, images, videos, cameras)."""
    from . import payload_input

    if options.payload is None:
        raise ValueError("no payload in these options")  # a caller bug: the parser requires one
    return payload_input.load_payload(options.payload, on_update)


def review_payload(options: ReviewOptions, payload: Payload | None = None,
                   on_update: Callable[[FrameUpdate], None] | None = None) -> Review:
    """Verify `payload` (or the one `options.payload` names) and apply the policy, if any.

    Raises ColdsightError (PayloadError, PolicyError, ...) for input that cannot be reviewed."""
    if payload is None:
        payload = load_payload(options, on_update)
    loaded = load_policy_for_use(options) if options.policy is not None or policy_required() else None
    book = address_book_for(options, loaded)
    report = verify_payload(payload, replace(options.verify_options, address_book=book))
    if options.state is not None:  # before the policy: its findings count like any other
        from .state_input import apply_state

        apply_state(report, options.state)
    policy = None
    if loaded is not None:
        from policies import evaluate

        policy = evaluate(loaded, report)
        report.policy = policy
    return Review(report=report, policy=policy, address_book=book)


def review_nested(options: ReviewOptions, child_payload: str) -> Review:
    """A parent Safe's transaction that approves (approveHash) a child Safe's transaction, reviewed
    with it: the child is verified on its own (its Safe and version come from its payload, no policy),
    then linked (decoders.nested.link_child: the approved hash must be the child's safeTxHash, and
    the child's findings count for the parent)."""
    from decoders.nested import link_child

    parent = review_payload(options)
    child = review_payload(replace(options, payload=child_payload, safe=None, safe_version=None, policy=None))
    link_child(parent.report, child.report)
    return replace(parent, child=child)


def message_document_in_text(text: str, source: str) -> object | None:
    """The Safe message document `text` holds (JSON, or `ur:` text carrying SafeMessage typed data),
    or None when it is anything else: a transaction, or input the transaction path reports on."""
    from decoders.errors import ColdsightError
    from decoders.messages import is_message_document, load_message_document

    try:
        document = load_message_document(text, source)
    except ColdsightError:
        return None
    return document if is_message_document(document) else None


def message_document_in_file(options: ReviewOptions) -> object | None:
    """The Safe message document the PAYLOAD file holds, or None (pictures, cameras, standard input
    and transactions all go the transaction way)."""
    from .payload_input import CAMERA_PREFIX, read_bytes

    if options.payload is None or options.payload == "-" or options.payload.startswith(CAMERA_PREFIX):
        return None
    path = Path(options.payload)
    if not path.is_file() or path.suffix.lower() not in (".json", ".txt", ".ur", ""):
        return None
    data, source = read_bytes(options.payload)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return message_document_in_text(text, source)


def review_message_payload(options: ReviewOptions, document: object | None = None) -> MessageItem:
    """Hash and judge the Safe message `options.payload` names (JSON or `ur:` text), and apply the
    policy's message rules, if any. Raises ColdsightError for input that cannot be reviewed."""
    from decoders.formats import decode_text
    from decoders.messages import load_message_document, review_message

    from .payload_input import read_bytes

    if document is None:
        if options.payload is None:
            raise ValueError("no payload in these options")  # a caller bug
        data, source = read_bytes(options.payload)
        document = load_message_document(decode_text(data, source), source)
    loaded = load_policy_for_use(options) if options.policy is not None or policy_required() else None
    book = address_book_for(options, loaded)
    message = review_message(document, chain_id=options.chain_id, safe=options.safe, safe_version=options.safe_version,
                             address_book=book)
    policy = None
    if loaded is not None:
        from policies import evaluate_message

        policy = evaluate_message(loaded, message)
    return MessageItem(message=message, policy=policy, address_book=book)


def review_any(options: ReviewOptions) -> AnyReview:
    """A transaction or a Safe message, whichever the PAYLOAD file holds (the GUI's open and render)."""
    document = message_document_in_file(options)
    return review_message_payload(options, document) if document is not None else review_payload(options)


def address_book_for(options: ReviewOptions, loaded: LoadedPolicy | None = None) -> AddressBook:
    """The names a review shows: the team's imported book, then the policy's [addresses] over it."""
    from .addressbook_store import load_store, read_file

    book = read_file(options.address_book) if options.address_book else load_store(options.resolved_state_dir)
    if loaded is not None:
        policy_book = AddressBook()
        for entry in loaded.policy.book.values():
            policy_book.add(Entry(entry.chain, entry.address, entry.label))
        book = book.merged(policy_book)
    return book


def review_text(text: str, source: str, options: ReviewOptions) -> AnyReview:
    """Review pasted or scanned text (`ur:` parts or JSON) exactly as a file would be: a Safe
    message (SafeMessage typed data, or the service's message shape) as a message."""
    from decoders.formats import parse_text

    document = message_document_in_text(text, source)
    if document is not None:
        return review_message_payload(options, document)
    return review_payload(options, parse_text(text, source))
