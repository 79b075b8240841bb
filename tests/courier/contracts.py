"""Two tiny contracts for the local loop on anvil, written as EVM assembly (no compiler needed):

- TEST_TOKEN: an ERC-20 subset. transfer(address,uint256) (emits Transfer, returns true, reverts on
  insufficient balance), balanceOf(address), decimals() (18), symbol() "TST", name() "Test Token",
  totalSupply(). The balance of an address is stored at the slot equal to the address; the total
  supply at slot 2**255. Balances are set with anvil_setStorageAt (mint_slots).
- SLOT_OVERWRITER: the shape of the Bybit attacker's contract (0x9622…7242): its "transfer(address,
  uint256)" stores the first argument in storage slot 0. Delegatecalled by a Safe, slot 0 is the
  Safe proxy's singleton: the Safe's implementation is replaced by whatever address was passed.

Selectors and the Transfer topic are keccak of the canonical signatures (EIP-20), computed here.
"""

from __future__ import annotations

from decoders.hexutil import keccak

OPCODES = {"STOP": 0x00, "ADD": 0x01, "SUB": 0x03, "LT": 0x10, "EQ": 0x14, "SHL": 0x1B, "SHR": 0x1C,
           "CALLER": 0x33, "CALLDATALOAD": 0x35, "MSTORE": 0x52, "SLOAD": 0x54, "SSTORE": 0x55, "JUMPI": 0x57,
           "JUMPDEST": 0x5B, "DUP1": 0x80, "DUP2": 0x81, "LOG3": 0xA3, "RETURN": 0xF3, "REVERT": 0xFD}
SUPPLY_SLOT = 1 << 255


def selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


def assemble(program: list) -> bytes:
    """Opcode names, ("push", bytes) items, ("label", name) marks and ("jump_to", name) 2-byte pushes."""
    def size(item) -> int:
        if isinstance(item, str):
            return 1
        kind, value = item
        return {"label": 1, "jump_to": 3, "push": 1 + len(value)}[kind]

    labels, offset = {}, 0
    for item in program:
        if isinstance(item, tuple) and item[0] == "label":
            labels[item[1]] = offset
        offset += size(item)
    code = bytearray()
    for item in program:
        if isinstance(item, str):
            code.append(OPCODES[item])
        elif item[0] == "label":
            code.append(OPCODES["JUMPDEST"])
        elif item[0] == "jump_to":
            code += bytes([0x61]) + labels[item[1]].to_bytes(2, "big")
        else:
            value = item[1]
            assert 1 <= len(value) <= 32
            code += bytes([0x5F + len(value)]) + value
    return bytes(code)


def _push(value: int | bytes) -> tuple[str, bytes]:
    raw = value if isinstance(value, bytes) else value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return ("push", raw)


def _return_word() -> list:  # the word on the stack, returned as a uint256
    return [_push(0), "MSTORE", _push(32), _push(0), "RETURN"]


def _return_string(text: str) -> list:
    raw = text.encode()
    assert len(raw) <= 32
    return [_push(32), _push(0), "MSTORE", _push(len(raw)), _push(32), "MSTORE",
            _push(raw.ljust(32, b"\0")), _push(64), "MSTORE", _push(96), _push(0), "RETURN"]


def _argument(index: int) -> list:
    return [_push(4 + 32 * index), "CALLDATALOAD"]


def _token_program() -> list:
    functions = {"transfer(address,uint256)": "transfer", "balanceOf(address)": "balance_of", "decimals()": "decimals",
                 "symbol()": "symbol", "name()": "name", "totalSupply()": "total_supply"}
    program: list = [_push(0), "CALLDATALOAD", _push(0xE0), "SHR"]
    for signature, label in functions.items():
        program += ["DUP1", _push(selector(signature)), "EQ", ("jump_to", label), "JUMPI"]
    program += [("label", "fail"), _push(0), "DUP1", "REVERT"]
    program += [("label", "balance_of"), *_argument(0), "SLOAD", *_return_word()]
    program += [("label", "decimals"), _push(18), *_return_word()]
    program += [("label", "total_supply"), _push(SUPPLY_SLOT), "SLOAD", *_return_word()]
    program += [("label", "symbol"), *_return_string("TST")]
    program += [("label", "name"), *_return_string("Test Token")]
    program += [
        ("label", "transfer"),
        *_argument(1), "CALLER", "SLOAD",                     # amount, balance
        "DUP2", "DUP2", "LT", ("jump_to", "fail"), "JUMPI",   # balance < amount: revert
        "SUB", "CALLER", "SSTORE",                            # balance[caller] -= amount
        *_argument(1), *_argument(0), "SLOAD", "ADD", *_argument(0), "SSTORE",  # balance[to] += amount
        *_argument(1), _push(0), "MSTORE",
        *_argument(0), "CALLER", _push(keccak(b"Transfer(address,address,uint256)")), _push(32), _push(0), "LOG3",
        _push(1), *_return_word(),
    ]
    return program


TEST_TOKEN = assemble(_token_program())
SLOT_OVERWRITER = assemble([*_argument(0), _push(0), "SSTORE", "STOP"])


def mint_slots(holder: str, amount: int) -> list[tuple[int, int]]:
    """(slot, value) pairs that give `holder` `amount` tokens (and make it the whole supply)."""
    return [(int(holder, 16), amount), (SUPPLY_SLOT, amount)]
