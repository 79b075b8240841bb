"""The proven-state run is bounded by the EVM check's one work bound (decoders/evm/machine.py): jumps AND
precompiles, charged to one budget for everything a review runs on a snapshot. Before, the proven run counted
jumps only, per call: a contract in the snapshot calling blake2f with 20M rounds (1 gas a round on chain, so
it fits a block) ran for minutes, and each balance read got a budget of its own."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from decoders.state import read_snapshot, verify_snapshot
from decoders.state.check import bundled_codes
from decoders.state.world import WORK_LIMIT, ProvenWorld, Reads, Tracker, WorkBudget, WorkLimit, _ProvenComputation, _ProvenContext

DATA = Path(__file__).parent / "data"
TOKEN = bytes.fromhex("e7f1725E7734CE288F8367e1Bb143E90bb3F0512")  # the snapshot's ERC-20 (erc20_transfer.json)
SAFE = bytes.fromhex("5AFE00000000000000000000000000000000c01D")
BLAKE2F = (9).to_bytes(20, "big")


def _blake2f_input(rounds: int) -> bytes:  # EIP-152: rounds (4 bytes), h (64), m (128), t (16), f (1)
    return rounds.to_bytes(4, "big") + bytes(64 + 128 + 16) + b"\x01"


def test_a_precompile_called_in_a_proven_run_is_charged_before_it_runs():
    context = _ProvenContext(0, b"\0" * 20)
    context.tracker = Tracker()
    computation = SimpleNamespace(transaction_context=context,
                                  msg=SimpleNamespace(data=_blake2f_input(20_000_000), gas=30_000_000))
    with pytest.raises(WorkLimit):  # charged from its real gas (1 a round) before any round is computed
        _ProvenComputation._precompiles[BLAKE2F](computation)
    assert context.tracker.budget.work > WORK_LIMIT


def test_every_call_of_one_review_shares_one_budget():
    proven = verify_snapshot(read_snapshot((DATA / "erc20_transfer.bin").read_bytes()), bundled_codes())
    balance_of = bytes.fromhex("70a08231") + SAFE.rjust(32, b"\0")
    fresh = ProvenWorld(proven.witness, Reads())
    assert not fresh.call(SAFE, TOKEN, balance_of, 5_000_000, static=True).is_error  # a read costs a few jumps
    spent = WorkBudget(work=WORK_LIMIT)  # what earlier calls of the same review used up
    with pytest.raises(WorkLimit):
        ProvenWorld(proven.witness, Reads(), budget=spent).call(SAFE, TOKEN, balance_of, 5_000_000, static=True)
