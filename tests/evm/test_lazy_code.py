"""Libraries with immutables are deployed on first use; the EVM must never see such an account empty,
whichever way it looks at it (code, EXTCODEHASH, EXTCODESIZE / existence)."""

from decoders.hexutil import keccak
from decoders.evm.machine import World

ADDRESS = bytes.fromhex("38869bf66a61cf6bdb996a6ae40d5853fd43b526")
CODE = bytes.fromhex("6001600055")  # PUSH1 1 PUSH1 0 SSTORE: any non-empty code


def _world() -> World:
    world = World.with_codes((), 1)
    world.set_lazy_codes({ADDRESS: lambda: CODE})
    return world


def test_code_hash_and_existence_see_the_lazily_deployed_code():
    state = _world()._state
    assert not state.account_is_empty(ADDRESS)
    assert state.get_code_hash(ADDRESS) == keccak(CODE)
    assert state.get_code(ADDRESS) == CODE


def test_code_is_read_once_per_world():
    calls = []
    world = World.with_codes((), 1)
    world.set_lazy_codes({ADDRESS: lambda: calls.append(1) or CODE})
    for _ in range(3):
        assert world.get_code(ADDRESS) == CODE
    assert calls == [1]
