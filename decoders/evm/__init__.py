"""The EVM oracle: execute the Safe's real execTransaction bytecode offline and report what it did.

The calls the Safe makes (recorded, never sent anywhere) and the writes to its own storage are
ground truth to compare with the statically decoded call tree. Engine: py-evm (pure Python);
see benchmarks/evm_engines.py for why.
"""

from .bytecode import available_versions
from .execute import execute_safe_tx, state_for
from .model import EvmUnavailable, ExecutedCall, Execution, SafeState, StorageWrite

__all__ = ["EvmUnavailable", "ExecutedCall", "Execution", "SafeState", "StorageWrite", "available_versions",
           "execute_safe_tx", "state_for"]
