"""Field parsers shared by the JSON formats."""

from ..errors import PayloadError
from ..hexutil import parse_uint


def parse_operation(value: object, where: str) -> int:
    operation = parse_uint(value, where, bits=8)
    if operation not in (0, 1, 2):
        raise PayloadError(f"operation must be 0 (call) or 1 (delegatecall), got {operation}", where)
    return operation
