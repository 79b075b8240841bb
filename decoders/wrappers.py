"""Wrappers: calls whose arguments carry further calls, and who makes those inner calls.

A wrapper is recognised by its decoded function (the bundled ABI tables name each source). Its
inner calls become children of the wrapper's node in the call tree (decoders/calls.py), so every
finding is raised at the depth where the call happens (`0.2.1`). What a wrapper would execute but
Coldsight cannot decode (a command stream, an unknown command) is listed as `opaque`; findings turn
it into OPAQUE_CALL.

Who makes an inner call (msg.sender) follows each contract's source:
- OpenZeppelin / Uniswap `multicall(bytes[])`: delegatecalls address(this), so every inner call
  reaches the same contract with msg.sender kept (the wrapper's caller).
- Multicall3 `aggregate*` (mds1/multicall src/Multicall3.sol): CALLs each target; msg.sender is the
  Multicall3 contract, or the Safe when the Safe delegatecalls it.
- Safe `execTransaction` / `execTransactionFromModule*` on another Safe (safe-smart-account
  contracts/Safe.sol, base/ModuleManager.sol): the other Safe makes the call, with its own
  operation (a delegatecall runs in that Safe's context).
- ERC-4337 sample account `execute` / `executeBatch` (eth-infinitism/account-abstraction
  contracts/samples/SimpleAccount.sol v0.6.0, v0.7.0): the account CALLs.
- OptimismPortal `depositTransaction` (ethereum-optimism/optimism contracts-bedrock
  src/L1/OptimismPortal2.sol) and Arbitrum `createRetryableTicket` (OffchainLabs/nitro-contracts
  src/bridge/Inbox.sol): an L2 call whose sender is the caller's address aliased
  (AddressAliasHelper: + 0x1111000000000000000000000000000000001111) when the caller is a contract.
- Universal Router `execute(commands, inputs[, deadline])` (Uniswap/universal-router
  contracts/libraries/Commands.sol): a command stream, named here but not decoded, so opaque.
"""

from __future__ import annotations

from dataclasses import dataclass

from .hexutil import to_checksum

# AddressAliasHelper.sol (OptimismPortal and Arbitrum Inbox both alias a contract sender this way).
L1_TO_L2_ALIAS_OFFSET = 0x1111000000000000000000000000000000001111

# Universal Router command types: Uniswap/universal-router contracts/libraries/Commands.sol (v2).
# The low 6 bits select the command; bit 0x80 lets the command fail without reverting the batch.
UNIVERSAL_ROUTER_COMMANDS = {
    0x00: "V3_SWAP_EXACT_IN", 0x01: "V3_SWAP_EXACT_OUT", 0x02: "PERMIT2_TRANSFER_FROM", 0x03: "PERMIT2_PERMIT_BATCH",
    0x04: "SWEEP", 0x05: "TRANSFER", 0x06: "PAY_PORTION", 0x08: "V2_SWAP_EXACT_IN", 0x09: "V2_SWAP_EXACT_OUT",
    0x0A: "PERMIT2_PERMIT", 0x0B: "WRAP_ETH", 0x0C: "UNWRAP_WETH", 0x0D: "PERMIT2_TRANSFER_FROM_BATCH",
    0x0E: "BALANCE_CHECK_ERC20", 0x10: "V4_SWAP", 0x11: "V3_POSITION_MANAGER_PERMIT",
    0x12: "V3_POSITION_MANAGER_CALL", 0x13: "V4_INITIALIZE_POOL", 0x14: "V4_POSITION_MANAGER_CALL",
    0x21: "EXECUTE_SUB_PLAN",
}
COMMAND_TYPE_MASK = 0x3F
FLAG_ALLOW_REVERT = 0x80


@dataclass(frozen=True)
class InnerCall:
    """One call a wrapper makes, as its arguments state it."""

    to: str
    value: int
    operation: int  # 0 call, 1 delegatecall (in the maker's context), 2 contract creation
    data: bytes
    maker: str  # msg.sender of the inner call
    maker_role: str  # who the maker is, in words ("the nested Safe", "the Multicall3 contract", …)
    account_call: bool  # the maker is an account running its own transaction: top-level delegatecall rules apply
    network: str | None = None  # "L2" when the call runs on another chain


@dataclass(frozen=True)
class Unwrapped:
    kind: str  # "multicall", "multicall3", "nested-safe", "module", "account", "l2-deposit", "command-stream"
    label: str  # what the wrapper is, in words
    calls: tuple[InnerCall, ...]
    opaque: tuple[str, ...]  # what would execute but is not decoded, in words


def aliased(address: str) -> str:
    """The L2 sender of a message an L1 contract sends (AddressAliasHelper.applyL1ToL2Alias)."""
    raw = (int(address, 16) + L1_TO_L2_ALIAS_OFFSET) % (1 << 160)
    return to_checksum(raw.to_bytes(20, "big"))


def describe_commands(commands: bytes) -> list[str]:
    names = []
    for byte in commands:
        name = UNIVERSAL_ROUTER_COMMANDS.get(byte & COMMAND_TYPE_MASK, f"unknown command 0x{byte & COMMAND_TYPE_MASK:02x}")
        names.append(name + (" (may fail)" if byte & FLAG_ALLOW_REVERT else ""))
    return names


def is_wrapper(canonical: str) -> bool:
    """Whether calls of this function carry further calls in their arguments."""
    return canonical in _BUILDERS


def unwrap(canonical: str, args: list, to: str, caller: str | None, executing_as: str) -> Unwrapped | None:
    """The inner calls of a decoded call `canonical` with argument values `args`, or None for no wrapper.

    `to` is the wrapper's address, `caller` its msg.sender, `executing_as` address(this) inside it."""
    builder = _BUILDERS.get(canonical)
    return builder(args, to, caller, executing_as) if builder is not None else None


def _multicall(args, to, caller, executing_as) -> Unwrapped:
    # delegatecall to address(this): the same code runs again with msg.sender and msg.value kept.
    data_list = args[-1]
    maker = caller or executing_as
    calls = tuple(InnerCall(executing_as, 0, 0, bytes(item), maker, "the caller of multicall, which keeps msg.sender", False)
                  for item in data_list)
    return Unwrapped("multicall", "multicall (each entry re-enters the same contract)", calls, ())


def _multicall3(args, to, caller, executing_as) -> Unwrapped:
    # The last argument is the Call / Call3 / Call3Value array; only aggregate3Value carries a value.
    role = "the Multicall3 contract" if executing_as == to else "the account that delegatecalls Multicall3"
    calls = tuple(InnerCall(entry["target"], entry.get("value", 0), 0, bytes(entry["callData"]), executing_as, role,
                            False) for entry in args[-1])
    return Unwrapped("multicall3", "Multicall3 aggregate (each entry is a CALL to its target)", calls, ())


def _nested_safe(args, to, caller, executing_as) -> Unwrapped:
    values = {name: value for name, value in zip(_EXEC_NAMES, args)}
    call = InnerCall(values["to"], values["value"], values["operation"], bytes(values["data"]), to,
                     "the nested Safe", True)
    return Unwrapped("nested-safe", "execTransaction on another Safe (its owners' signatures are attached)", (call,), ())


_EXEC_NAMES = ("to", "value", "data", "operation")


def _module(args, to, caller, executing_as) -> Unwrapped:
    target, value, data, operation = args[:4]
    call = InnerCall(target, value, operation, bytes(data), to, "the Safe this account is a module of", True)
    return Unwrapped("module", "execTransactionFromModule (runs as the Safe that enabled the caller as a module)",
                     (call,), ())


def _account_execute(args, to, caller, executing_as) -> Unwrapped:
    target, value, data = args[:3]
    call = InnerCall(target, value, 0, bytes(data), executing_as, "the smart account", False)
    return Unwrapped("account", "smart-account execute (the account CALLs the target)", (call,), ())


def _account_batch(args, to, caller, executing_as) -> Unwrapped:
    if len(args) == 3:
        targets, values, datas = args
        if values and len(values) != len(targets):
            return Unwrapped("account", "smart-account executeBatch", (),
                             (f"{len(targets)} targets but {len(values)} values: the account reverts",))
        values = values or [0] * len(targets)
    else:
        targets, datas = args
        values = [0] * len(targets)
    if len(targets) != len(datas):
        return Unwrapped("account", "smart-account executeBatch", (),
                         (f"{len(targets)} targets but {len(datas)} call data: the account reverts",))
    calls = tuple(InnerCall(t, v, 0, bytes(d), executing_as, "the smart account", False)
                  for t, v, d in zip(targets, values, datas))
    return Unwrapped("account", "smart-account executeBatch (the account CALLs each target)", calls, ())


def _optimism_deposit(args, to, caller, executing_as) -> Unwrapped:
    target, value, _gas_limit, is_creation, data = args
    sender = aliased(caller or executing_as)  # the portal aliases its msg.sender when that is a contract
    call = InnerCall(target, value, 2 if is_creation else 0, bytes(data), sender,
                     "this account's aliased address on L2", False, "L2")
    return Unwrapped("l2-deposit", "OptimismPortal deposit (an L2 transaction sent from L1)", (call,), ())


def _arbitrum_retryable(args, to, caller, executing_as) -> Unwrapped:
    target, l2_value = args[0], args[1]
    data = args[-1]
    sender = aliased(caller or executing_as)  # the inbox aliases its msg.sender when that is a contract
    call = InnerCall(target, l2_value, 0, bytes(data), sender, "this account's aliased address on L2", False, "L2")
    return Unwrapped("l2-deposit", "Arbitrum retryable ticket (an L2 call sent from L1)", (call,), ())


def _universal_router(args, to, caller, executing_as) -> Unwrapped:
    commands = bytes(args[0])
    names = describe_commands(commands)
    shown = ", ".join(names[:8]) + (f", and {len(names) - 8} more" if len(names) > 8 else "")
    opaque = (f"a Universal Router command stream of {len(names)} command(s) ({shown or 'none'}); their inputs "
              "(recipients, amounts, Permit2 transfers) are not decoded",)
    return Unwrapped("command-stream", "Universal Router execute (a stream of commands)", (), opaque)


_BUILDERS = {
    "multicall(bytes[])": _multicall,
    "multicall(uint256,bytes[])": _multicall,
    "multicall(bytes32,bytes[])": _multicall,
    "aggregate((address,bytes)[])": _multicall3,
    "tryAggregate(bool,(address,bytes)[])": _multicall3,
    "blockAndAggregate((address,bytes)[])": _multicall3,
    "tryBlockAndAggregate(bool,(address,bytes)[])": _multicall3,
    "aggregate3((address,bool,bytes)[])": _multicall3,
    "aggregate3Value((address,bool,uint256,bytes)[])": _multicall3,
    "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)": _nested_safe,
    "execTransactionFromModule(address,uint256,bytes,uint8)": _module,
    "execTransactionFromModuleReturnData(address,uint256,bytes,uint8)": _module,
    "execute(address,uint256,bytes)": _account_execute,
    "executeBatch(address[],uint256[],bytes[])": _account_batch,
    "executeBatch(address[],bytes[])": _account_batch,
    "depositTransaction(address,uint256,uint64,bool,bytes)": _optimism_deposit,
    "createRetryableTicket(address,uint256,uint256,address,address,uint256,uint256,bytes)": _arbitrum_retryable,
    "unsafeCreateRetryableTicket(address,uint256,uint256,address,address,uint256,uint256,bytes)": _arbitrum_retryable,
    "execute(bytes,bytes[],uint256)": _universal_router,
    "execute(bytes,bytes[])": _universal_router,
}

WRAPPER_SIGNATURES = frozenset(_BUILDERS)
