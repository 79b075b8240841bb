"""Proven state: a proof-checked snapshot of the chain, and the whole transaction executed on it.

    snapshot = read_snapshot(data, "state.bin")          # bounded, strict (snapshot.py)
    proven = verify_snapshot(snapshot)                    # header hash, every proof (proof.py)
    outcome = run_on_proven_state(proven, tx, ...)        # py-evm on the witness only (run.py)

Nothing here reaches a network: the courier (courier/snapshot.py) builds snapshots with the same
`run_on_proven_state`, fetching whatever it reports missing.
"""

from .proof import ProvenState, SnapshotRefused, verify_snapshot
from .run import StateIncomplete, StateRun, run_on_proven_state
from .snapshot import Snapshot, read_snapshot

__all__ = ["ProvenState", "Snapshot", "SnapshotRefused", "StateIncomplete", "StateRun", "read_snapshot",
           "run_on_proven_state", "verify_snapshot"]
