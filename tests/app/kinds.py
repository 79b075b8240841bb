"""One payload of every kind a signer can be handed, written to files: what the every-door tests open.

Each kind: (files to write, the CLI arguments naming the extra inputs, and what the GUI's prompts
answer for them). Transactions and messages are the repository's own screenshot payloads; the
executor's transaction, the Transaction Builder file and the nested pair are built by the wrapper
tests' helpers, whose expected hashes come from safe-eth-py."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO_ROOT

PAYLOADS = REPO_ROOT / "docs" / "screenshots" / "payloads"
KINDS = ("transaction", "message", "executor", "builder", "nested")


@dataclass
class Kind:
    name: str
    payload: Path  # what the signer opens
    args: list[str] = field(default_factory=list)  # what the CLI needs besides PAYLOAD
    nonce: int | None = None  # the GUI's answer when asked for the executor's Safe nonce
    transaction: Path | None = None  # the GUI's answer when a Transaction Builder file is opened
    child: Path | None = None  # the GUI's answer when asked for the approved child transaction
    cli_payload: Path | None = None  # PAYLOAD on the command line when it differs from what is opened

    @property
    def cli_args(self) -> list[str]:
        return [str(self.cli_payload or self.payload), *self.args]


def write_kind(name: str, folder: Path) -> Kind:
    folder.mkdir(parents=True, exist_ok=True)
    if name == "transaction":
        return Kind(name, PAYLOADS / "ok-usdc-transfer.json")
    if name == "message":
        return Kind(name, PAYLOADS / "message-permit2.json")
    if name == "executor":
        from tests.wrappers.test_executor_tx import eip1559, executor_request_text, signed_calldata

        path = folder / "executor.txt"
        path.write_text(executor_request_text(eip1559(signed_calldata()), 4))
        return Kind(name, path, ["--executor-nonce", "7", "--safe-version", "1.4.1"], nonce=7)
    if name == "builder":
        from tests.wrappers.test_tx_builder import batch_file, batch_record

        builder, record = folder / "batch.json", folder / "batch-tx.json"
        builder.write_text(json.dumps(batch_file(amount="6")))  # the file says 6, the transaction sends 5
        record.write_text(json.dumps(batch_record(5)))
        return Kind(name, builder, ["--tx-builder", str(builder)], transaction=record, cli_payload=record)
    if name == "nested":
        from tests.wrappers.test_nested_safe import _parent_and_child

        parent, child = _parent_and_child(None)
        parent_path, child_path = folder / "parent.json", folder / "child.json"
        parent_path.write_text(json.dumps(parent))
        child_path.write_text(json.dumps(child))
        return Kind(name, parent_path, ["--child", str(child_path)], child=child_path)
    raise ValueError(name)


class Answers:
    """The window's prompts, answered as the kind says (and recorded, so a test sees what was asked)."""

    def __init__(self, kind: Kind):
        self.kind = kind
        self.asked: list[str] = []

    def executor_nonce(self, source: str) -> int | None:
        self.asked.append("nonce")
        return self.kind.nonce

    def builder_transaction(self, source: str) -> str | None:
        self.asked.append("transaction")
        return str(self.kind.transaction) if self.kind.transaction else None

    def child_transaction(self, source: str) -> str | None:
        self.asked.append("child")
        return str(self.kind.child) if self.kind.child else None
