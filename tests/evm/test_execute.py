"""execute_safe_tx runs the real Safe bytecode: per bundled version, the calls and storage writes it reports.

Expected values come from the test's own construction (its own MultiSend packer and ABI calls)
and from the contract sources (safe-smart-account tags), never from the engine's output.
"""

import pytest
from eth_abi import encode
from eth_hash.auto import keccak

from decoders.evm import EvmUnavailable, SafeState, available_versions, execute_safe_tx
from decoders.safetx import Context, HashFamily, SafeTx, SafeVersion

SAFE = "0x1234567890AbcdEF1234567890aBcdef12345678"
ZERO = "0x" + "00" * 20
SENTINEL = "0x" + "00" * 19 + "01"
TOKEN = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
ALICE = "0x1111111111111111111111111111111111111111"
BOB = "0x2222222222222222222222222222222222222222"
CAROL = "0x3333333333333333333333333333333333333333"
OWNER_A = "0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa"
ATTACKER = "0x96221423681A6d52E184D440a8eFCEbB105C7242"  # the Bybit attack's delegatecall target
# Canonical addresses from @safe-global/safe-deployments 1.37.63 (dist/assets/v*/multi_send*.json, create_call.json).
# Safe 1.2.0 has no MultiSend of its own in safe-deployments; its batches use MultiSend 1.1.1.
MULTISEND = {"1.1.1": "0x8D29bE29923b68abfDD21e541b9374737B49cdAD", "1.2.0": "0x8D29bE29923b68abfDD21e541b9374737B49cdAD",
             "1.3.0": "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761",
             "1.4.1": "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526", "1.5.0": "0x218543288004CD07832472D464648173c77D7eB7"}
CALL_ONLY = {"1.3.0": "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D", "1.4.1": "0x9641d764fc13c8B624c04430C7356C1C7C8102e2",
             "1.5.0": "0xA83c336B20401Af773B6219BA5027174338D1836"}
CREATE_CALL = {"1.3.0": "0x7cbB62EaA69F79e6873cD1ecB2392971036cFAa4", "1.4.1": "0x9b35Af71d77eaf8d7e40252370304687390A1A52",
               "1.5.0": "0x2Ef5ECfbea521449E4De05EDB1ce63B75eDA90B4"}
VERSIONS = available_versions()


def base(label: str) -> str:
    return label.partition("+")[0]


def at_least(label: str, version: str) -> bool:
    return tuple(map(int, base(label).split("."))) >= tuple(map(int, version.split(".")))


def calldata(signature: str, types: list[str], values: list) -> bytes:
    return keccak(signature.encode())[:4] + encode(types, values)


def transfer(to: str, amount: int) -> bytes:
    return calldata("transfer(address,uint256)", ["address", "uint256"], [to, amount])


def pack(entries: list[tuple[int, str, int, bytes]]) -> bytes:
    """MultiSend's packed encoding: operation (1 byte), to (20), value (32), data length (32), data."""
    return b"".join(bytes([op]) + bytes.fromhex(to[2:]) + value.to_bytes(32, "big") + len(data).to_bytes(32, "big") + data
                    for op, to, value, data in entries)


def multisend(transactions: bytes) -> bytes:
    return calldata("multiSend(bytes)", ["bytes"], [transactions])


def tx(to: str, data: bytes = b"", *, value: int = 0, operation: int = 0, safe_tx_gas: int = 0, base_gas: int = 0,
       gas_price: int = 0, gas_token: str = ZERO, refund_receiver: str = ZERO, nonce: int = 7) -> SafeTx:
    return SafeTx(to, value, data, operation, safe_tx_gas, base_gas, gas_price, gas_token, refund_receiver, nonce)


def run(label: str, safe_tx: SafeTx, state: SafeState | None = None, **kwargs):
    return execute_safe_tx(safe_tx, Context(1, SAFE, SafeVersion.parse(label)), state, **kwargs)


def slot_of(key: str | int, base_slot: int) -> int:
    key_int = int(key, 16) if isinstance(key, str) else key
    return int.from_bytes(keccak(key_int.to_bytes(32, "big") + base_slot.to_bytes(32, "big")), "big")


def writes(execution) -> dict:
    return {w.slot: (w.before, w.after, w.name) for w in execution.storage_writes}


def leaf(call) -> tuple:
    return (call.operation, call.to, call.value, call.data, call.executed)


NONCE_WRITE = {5: (7, 8, "nonce")}


@pytest.mark.parametrize("label", VERSIONS)
def test_erc20_transfer_is_one_recorded_leaf_and_the_nonce_moves(label):
    data = transfer(ALICE, 10**18)
    execution = run(label, tx(TOKEN, data))
    assert (execution.success, execution.reverted, execution.version) == (True, False, label)
    assert [leaf(c) for c in execution.calls] == [(0, TOKEN, 0, data, False)]
    assert execution.calls[0].purpose == "transaction" and execution.calls[0].sender == SAFE
    assert writes(execution) == NONCE_WRITE
    assert execution.engine.startswith("py-evm")


@pytest.mark.parametrize("label", VERSIONS)
def test_ether_transfer_carries_its_value(label):
    execution = run(label, tx(ALICE, value=5 * 10**18))
    assert [leaf(c) for c in execution.calls] == [(0, ALICE, 5 * 10**18, b"", False)]


@pytest.mark.parametrize("label", VERSIONS)
def test_batch_of_three_calls_runs_in_the_library_in_order(label):
    library = CALL_ONLY.get(base(label), MULTISEND[base(label)])
    entries = [(0, TOKEN, 0, transfer(ALICE, 1)), (0, BOB, 3, b""), (0, CAROL, 0, b"\xde\xad\xbe\xef")]
    execution = run(label, tx(library, multisend(pack(entries)), operation=1))
    assert execution.success
    [batch] = execution.calls
    assert (batch.operation, batch.to, batch.executed, batch.reverted, batch.purpose) == (1, library, True, False, "transaction")
    assert [leaf(c) for c in batch.children] == [(op, to, value, data, False) for op, to, value, data in entries]
    assert all(c.purpose == "inner" and c.sender == SAFE for c in batch.children)
    assert writes(execution) == NONCE_WRITE


@pytest.mark.parametrize("label", VERSIONS)
def test_multisend_delegatecall_entry_is_recorded_not_run(label):
    # The Bybit shape: a plain MultiSend batch whose entry delegatecalls an unknown contract.
    payload = calldata("transfer(address,uint256)", ["address", "uint256"], [ALICE, 0])
    entries = [(0, TOKEN, 0, transfer(ALICE, 1)), (1, ATTACKER, 0, payload)]
    execution = run(label, tx(MULTISEND[base(label)], multisend(pack(entries)), operation=1))
    assert execution.success
    assert [leaf(c) for c in execution.calls[0].children] == [(0, TOKEN, 0, transfer(ALICE, 1), False),
                                                              (1, ATTACKER, 0, payload, False)]


@pytest.mark.parametrize("label", VERSIONS)
def test_top_level_delegatecall_to_unknown_contract_is_a_leaf(label):
    payload = bytes.fromhex("a9059cbb") + bytes(64)
    execution = run(label, tx(ATTACKER, payload, operation=1))
    assert [leaf(c) for c in execution.calls] == [(1, ATTACKER, 0, payload, False)]


@pytest.mark.parametrize("label", VERSIONS)
def test_call_into_multisend_is_a_leaf(label):
    data = multisend(pack([(0, TOKEN, 0, b"")]))
    execution = run(label, tx(MULTISEND[base(label)], data))
    assert [leaf(c) for c in execution.calls] == [(0, MULTISEND[base(label)], 0, data, False)]


# --- self-calls: storage writes named -----------------------------------------------------------

@pytest.mark.parametrize("label", VERSIONS)
def test_enable_module(label):
    module = "0x4444444444444444444444444444444444444444"
    data = calldata("enableModule(address)", ["address"], [module])
    execution = run(label, tx(SAFE, data))
    assert execution.success
    assert [leaf(c) for c in execution.calls] == [(0, SAFE, 0, data, True)]
    assert writes(execution) == NONCE_WRITE | {
        slot_of(module, 1): (0, 1, f"modules[{module}]"),
        slot_of(1, 1): (1, int(module, 16), f"modules[{SENTINEL}]"),
    }


@pytest.mark.parametrize("label", VERSIONS)
def test_add_owner_with_threshold(label):
    new_owner = "0x5555555555555555555555555555555555555555"
    data = calldata("addOwnerWithThreshold(address,uint256)", ["address", "uint256"], [new_owner, 2])
    execution = run(label, tx(SAFE, data), SafeState(owners=(OWNER_A,)))
    assert execution.success
    # OwnerManager.addOwnerWithThreshold: owners[owner] = owners[SENTINEL]; owners[SENTINEL] = owner;
    # ownerCount++; changeThreshold. Owners here: OWNER_A and the synthetic executor.
    assert writes(execution) == NONCE_WRITE | {
        slot_of(new_owner, 2): (0, int(OWNER_A, 16), f"owners[{new_owner}]"),
        slot_of(1, 2): (int(OWNER_A, 16), int(new_owner, 16), f"owners[{SENTINEL}]"),
        3: (2, 3, "ownerCount"),
        4: (1, 2, "threshold"),
    }


@pytest.mark.parametrize("label", VERSIONS)
def test_set_fallback_handler(label):
    old, new = "0x6666666666666666666666666666666666666666", "0x7777777777777777777777777777777777777777"
    data = calldata("setFallbackHandler(address)", ["address"], [new])
    execution = run(label, tx(SAFE, data), SafeState(fallback_handler=old))
    assert execution.success
    slot = int.from_bytes(keccak(b"fallback_manager.handler.address"), "big")
    assert writes(execution) == NONCE_WRITE | {slot: (int(old, 16), int(new, 16), "fallbackHandler")}


@pytest.mark.parametrize("label", [v for v in VERSIONS if at_least(v, "1.3.0")])
def test_removing_the_guard_calls_it_around_the_transaction(label):
    guard = "0x8888888888888888888888888888888888888888"
    data = calldata("setGuard(address)", ["address"], [ZERO])
    execution = run(label, tx(SAFE, data), SafeState(guard=guard))
    assert execution.success
    assert [(c.purpose, c.to, c.data[:4]) for c in execution.calls] == [
        ("guard", guard, keccak(b"checkTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes,address)")[:4]),
        ("transaction", SAFE, data[:4]),
        ("guard", guard, keccak(b"checkAfterExecution(bytes32,bool)")[:4]),
    ]
    slot = int.from_bytes(keccak(b"guard_manager.guard.address"), "big")
    assert writes(execution) == NONCE_WRITE | {slot: (int(guard, 16), 0, "guard")}


def test_setting_a_guard_on_1_3_0_writes_its_slot():
    guard = "0x8888888888888888888888888888888888888888"
    execution = run("1.3.0", tx(SAFE, calldata("setGuard(address)", ["address"], [guard])))
    slot = int.from_bytes(keccak(b"guard_manager.guard.address"), "big")
    assert writes(execution) == NONCE_WRITE | {slot: (0, int(guard, 16), "guard")}


def inner_failure_reason(label: str, inner: str | None) -> str | None:
    """How execTransaction reverts when the transaction's call fails with safeTxGas = gasPrice = 0:
    1.3.0 and 1.4.1 require(..., "GS013"); 1.5.0 re-raises the call's own revert data (Safe.sol, the
    returndatacopy after execute); 1.1.1 has no such check and only emits ExecutionFailure."""
    if not at_least(label, "1.3.0"):
        return "not reverted"
    return inner if at_least(label, "1.5.0") else "GS013"


@pytest.mark.parametrize("label", [v for v in VERSIONS if at_least(v, "1.4.1")])
def test_setting_a_guard_from_1_4_gets_its_erc165_answer_assumed(label):
    # GuardManager.setGuard since 1.4.0 requires guard.supportsInterface(...); the guard's code is not known
    # offline, so a stub stands in, the oracle answers yes and says so (a guard that says no only makes the
    # call revert on chain).
    guard = "0x8888888888888888888888888888888888888888"
    data = calldata("setGuard(address)", ["address"], [guard])
    # Without code at the guard, Solidity's extcodesize check reverts before the question is even asked.
    assert run(label, tx(SAFE, data)).reverted
    execution = run(label, tx(SAFE, data), SafeState(code_stubs=(guard,)))
    assert execution.success and not execution.reverted
    slot = int.from_bytes(keccak(b"guard_manager.guard.address"), "big")
    assert writes(execution) == NONCE_WRITE | {slot: (0, int(guard, 16), "guard")}
    assert len(execution.assumed) == 1 and guard in execution.assumed[0] and "ERC-165" in execution.assumed[0]


def test_change_master_copy_on_1_1_1():
    new = "0x9999999999999999999999999999999999999999"
    execution = run("1.1.1", tx(SAFE, calldata("changeMasterCopy(address)", ["address"], [new])))
    assert execution.success
    assert writes(execution)[0] == (int("0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F", 16), int(new, 16), "singleton")


@pytest.mark.parametrize("label", [v for v in VERSIONS if at_least(v, "1.3.0")])
def test_unknown_self_call_goes_to_the_fallback_handler_with_the_sender_appended(label):
    # No changeMasterCopy since 1.3.0: FallbackManager forwards calldata + msg.sender to the handler.
    handler = "0x6666666666666666666666666666666666666666"
    data = calldata("changeMasterCopy(address)", ["address"], [ATTACKER])
    execution = run(label, tx(SAFE, data), SafeState(fallback_handler=handler))
    [self_call] = execution.calls
    assert self_call.executed
    assert [(c.purpose, *leaf(c)) for c in self_call.children] == [
        ("fallback-handler", 0, handler, 0, data + bytes.fromhex(SAFE[2:]), False)]
    assert writes(execution) == NONCE_WRITE


# --- refunds -------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", VERSIONS)
def test_ether_refund_goes_to_the_receiver(label):
    gas_price, base_gas = 10**9, 40_000
    execution = run(label, tx(TOKEN, transfer(ALICE, 1), base_gas=base_gas, gas_price=gas_price, refund_receiver=BOB))
    assert execution.success
    transaction, refund = execution.calls
    assert (transaction.purpose, refund.purpose) == ("transaction", "refund")
    assert (refund.operation, refund.to, refund.data, refund.executed) == (0, BOB, b"", False)
    # handlePayment: (gasUsed + baseGas) * min(gasPrice, tx.gasprice); gasUsed is what execTransaction measured.
    assert refund.value % gas_price == 0 and 0 < refund.value // gas_price - base_gas < 200_000


@pytest.mark.parametrize("label", VERSIONS)
def test_ether_refund_uses_the_lower_network_gas_price(label):
    gas_price, network_price, base_gas = 10**12, 7 * 10**9 + 3, 40_000
    execution = run(label, tx(TOKEN, transfer(ALICE, 1), base_gas=base_gas, gas_price=gas_price, refund_receiver=BOB),
                    tx_gas_price=network_price)
    refund = execution.calls[1]
    assert refund.value % network_price == 0 and 0 < refund.value // network_price - base_gas < 200_000


@pytest.mark.parametrize("label", VERSIONS)
def test_token_refund_is_a_transfer_to_the_receiver(label):
    gas_token, gas_price, base_gas = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 3, 50_000
    execution = run(label, tx(TOKEN, transfer(ALICE, 1), base_gas=base_gas, gas_price=gas_price, gas_token=gas_token,
                              refund_receiver=CAROL))
    refund = execution.calls[1]
    assert (refund.purpose, refund.operation, refund.to, refund.value) == ("refund", 0, gas_token, 0)
    assert refund.data[:4] == keccak(b"transfer(address,uint256)")[:4] and len(refund.data) == 68
    assert refund.data[4:36] == bytes(12) + bytes.fromhex(CAROL[2:])
    amount = int.from_bytes(refund.data[36:], "big")  # (gasUsed + baseGas) * gasPrice, no network price
    assert amount % gas_price == 0 and 0 < amount // gas_price - base_gas < 200_000


# --- batch edge cases: what MultiSend's assembly does --------------------------------------------
# MultiSend (all versions): i starts at 0x20 and the loop runs while i < length, so an entry starting
# in the last 32 bytes is never read; fields are mload'ed from memory past the bytes: zero from
# 1.3.0 on, but MultiSend 1.1.1 first evaluates keccak256("multisend.guard.bytes32"), which solc
# 0.5 does by writing the literal to free memory, right after the (32-byte padded) bytes.
# `switch operation` with no matching case leaves success = 0, and success == 0 reverts the batch.
GUARD_LITERAL = b"multisend.guard.bytes32"


def memory_past(label: str, transactions: bytes, offset: int, size: int) -> bytes:
    """`size` bytes MultiSend reads from its copy of `transactions` at `offset`, past the end included."""
    padded = transactions + bytes(-len(transactions) % 32)
    memory = padded + (GUARD_LITERAL if base(label) in ("1.1.1", "1.2.0") else b"")  # MultiSend 1.1.1
    return (memory + bytes(offset + size))[offset: offset + size]

@pytest.mark.parametrize("label", VERSIONS)
def test_trailing_bytes_shorter_than_a_word_are_ignored(label):
    entries = [(0, ALICE, 1, b""), (0, BOB, 2, b"\x01\x02")]
    execution = run(label, tx(MULTISEND[base(label)], multisend(pack(entries) + b"\x00" * 31), operation=1))
    assert execution.success
    assert [leaf(c) for c in execution.calls[0].children] == [(op, to, v, d, False) for op, to, v, d in entries]


def outcome(execution) -> str | None:
    return execution.revert_reason if execution.reverted else "not reverted"


@pytest.mark.parametrize("label", VERSIONS)
def test_trailing_bytes_of_a_word_or_more_make_one_more_call(label):
    packed = pack([(0, ALICE, 1, b"")]) + b"\x00" + bytes.fromhex(CAROL[2:]) + b"\x00" * 12  # + operation 0, to CAROL
    execution = run(label, tx(MULTISEND[base(label)], multisend(packed), operation=1))
    value = int.from_bytes(memory_past(label, packed, 85 + 21, 32), "big")
    length = int.from_bytes(memory_past(label, packed, 85 + 53, 32), "big")
    if base(label) in ("1.1.1", "1.2.0"):  # MultiSend 1.1.1
        # value and length come partly from the literal: the length is far beyond memory, so the
        # batch runs out of gas after its first call and the transaction fails (1.1.1: no revert).
        assert value > 0 and length > 2**64
        assert (execution.success, outcome(execution)) == (False, "not reverted")
        assert execution.calls[0].reverted
    else:
        assert (value, length) == (0, 0) and execution.success
    assert [leaf(c) for c in execution.calls[0].children][:1] == [(0, ALICE, 1, b"", False)]
    if base(label) not in ("1.1.1", "1.2.0"):
        assert [leaf(c) for c in execution.calls[0].children][1:] == [(0, CAROL, 0, b"", False)]


@pytest.mark.parametrize("label", VERSIONS)
def test_truncated_entry_reads_memory_past_the_end(label):
    packed = pack([(0, ALICE, 0, b"\xaa" * 100)])[: 85 + 10]  # declares 100 data bytes, carries 10
    execution = run(label, tx(MULTISEND[base(label)], multisend(packed), operation=1))
    expected = memory_past(label, packed, 85, 100)
    assert expected[:10] == b"\xaa" * 10
    assert [leaf(c) for c in execution.calls[0].children] == [(0, ALICE, 0, expected, False)]


@pytest.mark.parametrize("label", VERSIONS)
def test_operation_2_entry_reverts_the_whole_batch(label):
    packed = pack([(0, ALICE, 1, b""), (2, BOB, 0, b"")])
    execution = run(label, tx(MULTISEND[base(label)], multisend(packed), operation=1))
    assert outcome(execution) == inner_failure_reason(label, None)  # MultiSend's revert(0, 0): no data
    assert not execution.success
    assert execution.calls[0].reverted and [leaf(c) for c in execution.calls[0].children] == [(0, ALICE, 1, b"", False)]


@pytest.mark.parametrize("label", [v for v in VERSIONS if at_least(v, "1.3.0")])
def test_call_only_with_a_delegatecall_entry_reverts(label):
    packed = pack([(0, ALICE, 1, b""), (1, ATTACKER, 0, b"\x01")])
    execution = run(label, tx(CALL_ONLY[base(label)], multisend(packed), operation=1))
    assert outcome(execution) == inner_failure_reason(label, None)
    assert [leaf(c) for c in execution.calls[0].children] == [(0, ALICE, 1, b"", False)]
    assert execution.storage_writes == []


@pytest.mark.parametrize("label", VERSIONS)
def test_failed_call_with_safe_tx_gas_is_execution_failure_not_revert(label):
    packed = pack([(2, BOB, 0, b"")])
    execution = run(label, tx(MULTISEND[base(label)], multisend(packed), operation=1, safe_tx_gas=100_000))
    assert (execution.reverted, execution.success) == (False, False)
    assert writes(execution) == NONCE_WRITE


@pytest.mark.parametrize("label", [v for v in VERSIONS if at_least(v, "1.3.0")])
def test_create_call_records_the_creation(label):
    init_code = bytes.fromhex("600a600c600039600a6000f3602a60805260206080f3")
    data = calldata("performCreate(uint256,bytes)", ["uint256", "bytes"], [0, init_code])
    execution = run(label, tx(CREATE_CALL[base(label)], data, operation=1))
    assert execution.success
    assert [leaf(c) for c in execution.calls[0].children] == [(2, ZERO, 0, init_code, False)]


# --- state, versions, limits ----------------------------------------------------------------------

@pytest.mark.parametrize("label", VERSIONS)
def test_threshold_two_is_met_with_a_pre_approved_owner(label):
    execution = run(label, tx(TOKEN, transfer(ALICE, 1)), SafeState(owners=(OWNER_A,), threshold=2))
    assert execution.success and writes(execution) == NONCE_WRITE


def test_default_fallback_handler_is_the_versions_canonical_one():
    # CompatibilityFallbackHandler 1.3.0 canonical address (safe-deployments v1.3.0).
    handler = "0xf48f2B2d2a534e402487b3ee7C18c33Aec0Fe5e4"
    execution = run("1.3.0", tx(SAFE, bytes.fromhex("deadbeef")))
    assert execution.calls[0].children[0].to == handler


def test_absurd_safe_tx_gas_is_capped_and_reverts_like_on_chain():
    execution = run("1.4.1", tx(TOKEN, transfer(ALICE, 1), safe_tx_gas=10**30))
    assert (execution.reverted, execution.revert_reason) == (True, "GS010")
    assert any("safeTxGas" in note for note in execution.notes)


def test_family_only_version_is_unavailable_unless_an_exact_one_is_given():
    context = Context(1, SAFE, SafeVersion(HashFamily.BASEGAS_CHAIN))
    with pytest.raises(EvmUnavailable, match="exact"):
        execute_safe_tx(tx(TOKEN, transfer(ALICE, 1)), context)
    assert execute_safe_tx(tx(TOKEN, transfer(ALICE, 1)), context, version="1.4.1").version == "1.4.1"


@pytest.mark.parametrize("label", ["1.0.0", "0.1.0", "1.1.0", "1.4.0"])
def test_versions_without_verified_bytecode_are_unavailable(label):
    with pytest.raises(EvmUnavailable, match=label):
        run(label, tx(TOKEN, transfer(ALICE, 1)))


def test_bad_state_address_is_a_clear_error():
    with pytest.raises(EvmUnavailable, match="state.owners"):
        run("1.4.1", tx(TOKEN, b""), SafeState(owners=("0x1234",)))


def test_available_versions_cover_the_bundled_releases():
    assert set(VERSIONS) >= {"1.1.1", "1.2.0", "1.3.0", "1.3.0+L2", "1.4.1", "1.4.1+L2", "1.5.0", "1.5.0+L2"}


def test_a_transaction_calling_a_precompile_runs_it_and_records_the_call():
    # Identity precompile (0x04) as the target: it runs (the real precompile), and the call is listed
    # like any other call the transaction makes (the static tree shows it too).
    identity = "0x0000000000000000000000000000000000000004"
    execution = run("1.4.1", tx(identity, b"\x01\x02"))
    assert execution.success
    assert [(c.purpose, c.operation, c.to, c.data, c.reverted) for c in execution.calls] == [
        ("transaction", 0, identity, b"\x01\x02", False)]



@pytest.mark.parametrize("label", ["1.4.1", "1.4.1+L2"])
def test_safe_migration_1_5_0_switches_the_singleton_and_then_runs_the_new_code(label):
    # SafeMigration 1.5.0 (canonical, safe-deployments v1.5.0/safe_migration.json) migrateWithFallbackHandler:
    # writes slot 0 = Safe 1.5.0, then calls this.setFallbackHandler(handler) through the proxy, now on 1.5.0.
    migration, safe_150 = "0x6439e7ABD8Bb915A5263094784C5CF561c4172AC", "0xFf51A5898e281Db6DfC7855790607438dF2ca44b"
    handler_150 = "0x3EfCBb83A4A7AfcB4F68D501E2c2203a38be77f4"  # CompatibilityFallbackHandler 1.5.0 canonical
    old_handler = "0x6666666666666666666666666666666666666666"
    data = keccak(b"migrateWithFallbackHandler()")[:4]
    execution = run(label, tx(migration, data, operation=1), SafeState(fallback_handler=old_handler))
    assert execution.success
    [migrate] = execution.calls
    assert (migrate.operation, migrate.to, migrate.executed) == (1, migration, True)
    assert [leaf(c) for c in migrate.children] == [
        (0, SAFE, 0, calldata("setFallbackHandler(address)", ["address"], [handler_150]), True)]
    got = writes(execution)
    assert got[0][1:] == (int(safe_150, 16), "singleton")
    handler_slot = int.from_bytes(keccak(b"fallback_manager.handler.address"), "big")
    assert got[handler_slot] == (int(old_handler, 16), int(handler_150, 16), "fallbackHandler")


SIGN_MESSAGE_LIB = {"1.3.0": "0xA65387F16B013cf2Af4605Ad8aA5ec25a2cbA3a2", "1.4.1": "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9",
                    "1.5.0": "0x4FfeF8222648872B3dE295Ba1e49110E61f5b5aa"}  # safe-deployments canonical


@pytest.mark.parametrize("label", [v for v in VERSIONS if base(v) in SIGN_MESSAGE_LIB])
def test_sign_message_lib_writes_the_named_signed_message(label):
    # SignMessageLib.signMessage: signedMessages[getMessageHash(message)] = 1, where getMessageHash is
    # EIP-712 over SafeMessage(bytes message) with the Safe's domain (chainId, verifyingContract).
    message = b"I agree to the terms"
    domain = keccak(keccak(b"EIP712Domain(uint256 chainId,address verifyingContract)") + encode(["uint256", "address"], [1, SAFE]))
    struct = keccak(keccak(b"SafeMessage(bytes message)") + keccak(message))
    message_hash = keccak(b"\x19\x01" + domain + struct)
    data = calldata("signMessage(bytes)", ["bytes"], [message])
    execution = run(label, tx(SIGN_MESSAGE_LIB[base(label)], data, operation=1))
    assert execution.success
    assert writes(execution) == NONCE_WRITE | {slot_of(int.from_bytes(message_hash, "big"), 7): (0, 1, f"signedMessages[0x{message_hash.hex()}]")}


@pytest.mark.parametrize("owners", [(ZERO,), (SENTINEL,), (OWNER_A, OWNER_A)])
def test_impossible_owner_lists_are_refused(owners):
    with pytest.raises(EvmUnavailable, match=r"state\.owners\["):
        run("1.4.1", tx(TOKEN, b""), SafeState(owners=owners))


def test_refund_after_a_precompile_transaction_is_still_a_refund():
    identity = "0x0000000000000000000000000000000000000004"
    execution = run("1.4.1", tx(identity, b"\x01", gas_price=1, refund_receiver=BOB))
    assert [(c.purpose, c.to) for c in execution.calls] == [("transaction", identity), ("refund", BOB)]


def test_bybit_payload_is_one_delegatecall_leaf_to_the_attacker():
    import json
    from pathlib import Path

    from decoders.formats import parse_bytes
    from decoders.safetx import resolve_context

    raw = (Path(__file__).resolve().parents[2] / "examples" / "bybit-attack.json").read_bytes()
    fields = json.loads(raw)
    payload = parse_bytes(raw, "examples/bybit-attack.json")
    execution = execute_safe_tx(payload.tx, resolve_context(payload, None, None, None))
    assert execution.success and execution.version == "1.1.1"
    assert [leaf(c) for c in execution.calls] == [(1, ATTACKER, 0, bytes.fromhex(fields["data"][2:]), False)]
    assert writes(execution) == {5: (int(fields["nonce"]), int(fields["nonce"]) + 1, "nonce")}
