"""Property: no batch exists whose shown call tree differs from what the real bytecode executes
without a `block` — for every MultiSend / MultiSendCallOnly deployment with bundled bytecode.

Thousands of generated batches (clean, truncated, padded with trailing bytes, lengths pointing past
the end or wrapping, invalid operations, delegatecall entries, `to == 0`, nested batches, plain CALLs
to the library) go through the whole verification (which runs the EVM check) and, independently,
through the real Safe `execTransaction` + library bytecode in py-evm. Two properties:

1. exactness: wherever the bytecode ran the library (a delegatecall into it), the entries Coldsight
   shows are exactly the calls the library made, in order, with the same revert;
2. fail closed: if the verdict is not `block`, the executed call tree equals the shown one node by
   node (compared here with the test's own walker, not with decoders.execution_check).

The number of examples is COLDSIGHT_BATCH_EXAMPLES per deployment (default 1,200; with the 9
MultiSend / MultiSendCallOnly deployments of chain 1 about 11,000 cases in CI). Examples are derandomized so CI is reproducible.
"""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decoders.deployments import ContractKind, addresses_of
from decoders.evm.model import ExecutedCall
from decoders.formats import parse_bytes
from decoders.verify import VerifyOptions, resolve, verify_payload

from tests.core.peers import OWNERS, ZERO, erc20_transfer, hex0x, multisend, packed_entry, service_record

evm = pytest.importorskip("decoders.evm")

EXAMPLES = int(os.environ.get("COLDSIGHT_BATCH_EXAMPLES", "1200"))
SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
TOKEN = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"  # USDC on mainnet (any address would do: its code is not run)
MULTISEND_SELECTOR = bytes.fromhex("8d80ff0a")


def _deployments() -> list[tuple[str, str, str]]:
    """(id, library address, Safe version to run it from) for every library with bundled bytecode."""
    bundled = {(lib.name, lib.version) for lib in evm.bytecode.libraries()}
    safes = evm.available_versions()
    found = []
    for kind in (ContractKind.MULTISEND, ContractKind.MULTISEND_CALL_ONLY):
        for contract in addresses_of(kind, 1):
            if (contract.name, contract.version) not in bundled or contract.deployment_type == "zksync":
                continue
            # Run the library from the Safe of its own release (1.1.1 MultiSend from a 1.1.1 Safe, …).
            safe_version = contract.version if contract.version in safes else "1.3.0"
            found.append((f"{contract.name}-{contract.version}-{contract.deployment_type}", contract.address,
                          safe_version))
    return sorted(found)


DEPLOYMENTS = _deployments()

addresses = st.sampled_from([OWNERS[0], OWNERS[1], TOKEN, SAFE, ZERO, "0x" + "77" * 20])
small_values = st.sampled_from([0, 0, 0, 1, 10**18])
call_data = st.one_of(
    st.just(b""),
    st.builds(lambda to, amount: erc20_transfer(to, amount), st.sampled_from(OWNERS[:2]), st.integers(0, 10**9)),
    st.binary(min_size=0, max_size=72),
)


@st.composite
def entries(draw, library: str, depth: int = 0):
    """Packed entries, some of them nested batches (delegatecall back into the same library)."""
    out = b""
    for _ in range(draw(st.integers(0, 4))):
        operation = draw(st.sampled_from([0, 0, 0, 1, 1, 2, 255]))
        if depth < 2 and draw(st.integers(0, 9)) == 0:
            inner = draw(entries(library, depth + 1))
            out += packed_entry(1, library, 0, multisend(inner))
            continue
        out += packed_entry(operation, draw(addresses), draw(small_values), draw(call_data))
    return out


@st.composite
def mutated(draw, blob: bytes) -> bytes:
    """The blob as is, or damaged where a parser and the contract could disagree."""
    kind = draw(st.sampled_from(["none", "none", "truncate", "append", "length", "operation"]))
    if kind == "truncate" and blob:
        return blob[: draw(st.integers(0, len(blob) - 1))]
    if kind == "append":
        return blob + draw(st.binary(min_size=1, max_size=90))
    if kind == "length" and len(blob) >= 85:
        # Rewrite the first entry's dataLength: slightly off, past the end, or so large that `i` wraps.
        current = int.from_bytes(blob[53:85], "big")
        new = draw(st.sampled_from([current + 1, max(current - 1, 0), current + 32, current + 200, 2**255, 2**256 - 85]))
        return blob[:53] + new.to_bytes(32, "big") + blob[85:]
    if kind == "operation" and blob:
        return bytes([draw(st.integers(0, 255))]) + blob[1:]
    return blob


def _record(library: str, version: str, operation: int, blob: bytes, nonce: int) -> dict:
    # safeTxGas > 0: a reverting batch does not revert execTransaction, so both sides still report it.
    return service_record(safe=SAFE, to=library, data=hex0x(multisend(blob)), operation=operation,
                          safeVersion=version, safeTxGas="3000000", nonce=nonce)


def _executed_shape(call) -> tuple:
    return (call.operation, call.to, call.value if call.operation != 1 else None, call.data)


def _shown_shape(node) -> tuple:
    return (node.operation, node.to, node.value if node.operation != 1 else None, node.data)


# Memory the library reads past the end of the batch must be paid for (3w + w²/512 gas for w words).
# Up to 32 KiB past the end costs under 10,000 gas: certainly paid from the 3,000,000 safeTxGas these
# records carry. Further out, whether the call is made or the batch runs out of gas depends on the gas
# the executor gives (found by this test: a 7 MB read that 3,000,000 gas cannot pay for).
CERTAINLY_PAID_OVERREAD = 32 * 1024


def _first_gas_dependent_entry(node) -> int | None:
    size = len(node.args[0].value)
    for index, entry in enumerate(node.batch.entries):
        if entry.offset + 85 + len(entry.data) > size + CERTAINLY_PAID_OVERREAD:
            return index
    return None


def _assert_exact_where_the_library_ran(node, call) -> None:
    """Property 1: wherever the library code ran, the shown entries are exactly its calls."""
    if not (call.executed and node.batch is not None and node.runs_as == SAFE):
        return
    executed = [child for child in call.children if child.purpose != "fallback-handler"]
    shown = node.children
    gas_bound = _first_gas_dependent_entry(node)
    if gas_bound is not None:
        # From this entry on, what runs depends on the gas the executor gives, not on the bytes alone: the
        # reading cannot be exact there, and must not be trusted either.
        assert not node.batch.clean, "a read past the end of the batch must make it ambiguous (block)"
        assert [_shown_shape(n) for n in shown[:gas_bound]] == [_executed_shape(c) for c in executed[:gas_bound]]
        return
    if call.reverted and executed and executed[-1].reverted:
        shown = shown[: len(executed)]  # a call failed when run: the library stops there (runtime, not bytes)
    assert [_shown_shape(n) for n in shown] == [_executed_shape(c) for c in executed]
    if node.batch.reverts_at is not None:
        assert call.reverted, "the reading says the bytes make the batch revert; the bytecode did not revert"
    elif call.reverted:
        # Not the bytes: a call itself failed at run time (e.g. value sent to a non-payable function),
        # which a reading cannot know. Then the last call made is the one that reverted.
        assert executed and executed[-1].reverted, "the batch reverted for a reason the reading does not show"
    for child_node, child_call in zip(node.children, executed):
        _assert_exact_where_the_library_ran(child_node, child_call)


def _same_tree(node, call) -> bool:
    """Property 2's comparator, written here independently of decoders.execution_check."""
    if _shown_shape(node) != _executed_shape(call):
        return False
    executed = [child for child in call.children if child.purpose != "fallback-handler"]
    if not call.executed:
        return True  # a leaf: external code is not run offline
    if node.batch is None or node.runs_as != SAFE:
        return not executed
    shown = node.children
    if call.reverted and executed and executed[-1].reverted:
        shown = shown[: len(executed)]  # entries after a call that failed when run never execute
    return len(executed) == len(shown) and all(_same_tree(n, c) for n, c in zip(shown, executed))


_OPERATIONS = {"CALL": 0, "DELEGATECALL": 1, "CREATE": 2, "CREATE2": 3, "CALLCODE": 4}


def _from_report(call: dict) -> ExecutedCall:
    """The executed call the verification itself recorded (report JSON `execution.calls`), as engine objects."""
    return ExecutedCall(operation=_OPERATIONS[call["operation"]], sender=call["sender"], to=call["to"],
                        value=int(call["value"]), data=bytes.fromhex(call["data"][2:]), executed=call["executed"],
                        reverted=call["reverted"], purpose=call["purpose"],
                        children=[_from_report(child) for child in call["calls"]])


def _check(library: str, version: str, operation: int, blob: bytes, *, reuse_report_execution: bool = True) -> None:
    payload = parse_bytes(json.dumps(_record(library, version, operation, blob, 5)).encode(), "property")
    report = verify_payload(payload)
    if reuse_report_execution:
        # The verification ran the real bytecode once already (report.execution): use that run.
        assert report.execution is not None and report.execution.versions == [version]
        calls = [_from_report(call) for call in report.execution.calls]
    else:
        calls = evm.execute_safe_tx(payload.tx, resolve(payload, VerifyOptions())).calls
    transaction = [call for call in calls if call.purpose == "transaction"]
    assert len(transaction) == 1
    _assert_exact_where_the_library_ran(report.root, transaction[0])
    if report.verdict != "block":
        assert _same_tree(report.root, transaction[0]), (
            f"shown tree differs from the executed one without a block: {report.as_json()['calls']}")


@pytest.mark.slow
@pytest.mark.parametrize("name,library,version", DEPLOYMENTS, ids=[d[0] for d in DEPLOYMENTS])
def test_shown_batch_equals_the_bytecode_or_blocks(name, library, version):
    assert version in evm.available_versions()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(data=st.data())
    def run(data):
        blob = data.draw(mutated(data.draw(entries(library))))
        operation = data.draw(st.sampled_from([1, 1, 1, 1, 0]))
        _check(library, version, operation, blob)

    run()


def test_deployments_cover_every_release_with_bytecode():
    # MultiSend 1.1.1, MultiSend + MultiSendCallOnly 1.3.0, 1.4.1, 1.5.0 (safe-deployments), canonical and eip155.
    versions = {(name.split("-")[0], name.split("-")[1]) for name, _, _ in DEPLOYMENTS}
    assert versions >= {("MultiSend", "1.1.1"), ("MultiSend", "1.3.0"), ("MultiSendCallOnly", "1.3.0"),
                        ("MultiSend", "1.4.1"), ("MultiSendCallOnly", "1.4.1"), ("MultiSend", "1.5.0"),
                        ("MultiSendCallOnly", "1.5.0")}


def test_the_property_catches_a_parser_that_reads_bytes_differently(monkeypatch):
    """Mutation check: a batch reader that stops at the last whole entry (round one's reading) must be caught."""
    from decoders import calls, multisend

    real = multisend.read_batch

    def lenient(blob, *args, **kwargs):
        reading = real(blob, *args, **kwargs)
        if reading.clean:
            return reading
        # Drop the entry the contract reads from the leftover bytes, and call the rest clean.
        return type(reading)(entries=reading.entries[:-1], reverts_at=None, revert_reason=None, clean=True,
                             problems=())

    monkeypatch.setattr(calls, "read_batch", lenient)
    library = next(lib for name, lib, _ in DEPLOYMENTS if name.startswith("MultiSendCallOnly-1.4.1"))
    e1 = packed_entry(0, OWNERS[0], 1, b"")
    # Trailing 33+ bytes are read by the contract as one more entry, to 0x77…77.
    hostile = e1 + b"\x00" + bytes.fromhex("77" * 20) + bytes(39)
    with pytest.raises(AssertionError):
        _check(library, "1.4.1", 1, hostile)
    with pytest.raises(AssertionError):  # and with a run of the engine independent of the verification
        _check(library, "1.4.1", 1, hostile, reuse_report_execution=False)


def test_the_report_execution_is_the_engines_own_run():
    """The property reuses the verification's EVM run; it must equal a separate run of the engine."""
    library = next(lib for name, lib, _ in DEPLOYMENTS if name.startswith("MultiSendCallOnly-1.4.1"))
    blob = packed_entry(0, OWNERS[0], 1, b"") + packed_entry(0, TOKEN, 0, erc20_transfer(OWNERS[1], 5))
    payload = parse_bytes(json.dumps(_record(library, "1.4.1", 1, blob, 5)).encode(), "property")
    from_report = [_from_report(call) for call in verify_payload(payload).execution.calls]
    direct = evm.execute_safe_tx(payload.tx, resolve(payload, VerifyOptions())).calls
    assert from_report == direct
