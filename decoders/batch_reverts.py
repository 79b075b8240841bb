"""A batch stops where a nested batch reverts: the tree must not show entries that never run.

MultiSend reverts as soon as one of its calls fails (`if eq(success, 0) { revert }`). When an entry
is itself a batch the Safe delegatecalls and that batch's own bytes make it revert (an invalid
operation, a delegatecall in MultiSendCallOnly, a length no gas can pay for), the enclosing batch
reverts at that entry too, and so on up. The readings of each library are exact on their own
(decoders/multisend.py); this pass carries the revert upwards, as the bytecode does. Found by the
differential property test against the real bytecode (tests/differential/test_batch_property_evm.py).
"""

from dataclasses import replace

from .calls import CallNode


def stop_at_nested_reverts(node: CallNode) -> bool:
    """Truncate every batch after an entry whose own batch reverts; True when `node` reverts by its bytes."""
    for child in node.children:
        stop_at_nested_reverts(child)
    if node.batch is None:
        return False
    if node.batch.reverts_at is not None:
        return True
    for index, child in enumerate(node.children):
        runs_in_this_batch = child.operation == 1 and child.runs_as == node.runs_as
        if child.batch is not None and child.batch.reverts_at is not None and runs_in_this_batch:
            node.children = node.children[: index + 1]
            node.batch = replace(node.batch, entries=node.batch.entries[: index + 1], reverts_at=index,
                                 revert_reason=f"entry {index} is a batch that reverts ({child.batch.revert_reason}), "
                                               "so this batch reverts there too")
            return True
    return False
