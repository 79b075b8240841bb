"""`coldsight-courier snapshot`: a proof-checked snapshot of the chain for one Safe transaction.

    coldsight-courier snapshot --rpc URL [--rpc URL ...] --payload tx.json --out state.bin [--qr state.gif]
    coldsight-courier snapshot --rpc URL --service URL --safe-tx-hash H --out state.bin

1. The block: `--block` (default `finalized`) is resolved to a number by the first endpoint, then
   every endpoint gives that block's header (eth_getBlockByNumber); its RLP is rebuilt from the
   fields and must hash to the block hash each endpoint claims, and all must agree, else refused.
   Every endpoint's eth_chainId must be the transaction's chain.
2. The run: the transaction is executed locally exactly as the offline side will (decoders.state:
   the same overlay, the same effects); each account, slot or code it reads that is not yet in the
   witness stops it (StateIncomplete) and is fetched with eth_getProof / eth_getCode at that block;
   the run starts over until it reads nothing new.
3. The file: the header, the deduplicated trie nodes on the proven paths, the codes the offline
   side does not hold already, and what was read (decoders/state/snapshot.py). It is checked with
   the offline verifier before it is written.

Standard JSON-RPC only (eth_chainId, eth_getBlockByNumber, eth_getProof, eth_getCode).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
import time

import rlp

from decoders.evm.bytecode import bundled, libraries
from decoders.hexutil import keccak, parse_address, to_checksum
from decoders.report import Report
from decoders.state.proof import BLANK_ROOT, Block, EMPTY_CODE_HASH, Witness, _Seen, decode_account, parse_header
from decoders.state.run import SafeNotFound, run_on_proven_state
from decoders.state.snapshot import Snapshot
from decoders.state.world import Reads, StateIncomplete, WorkLimit

from .errors import CourierError
from .chain import Chain, connect
from .crosscheck import parse_service_tx, preview
from .service_api import TransactionService
from .transport import write_request
from app.payload_input import load_payload
from app.qr.encode import bytes_ur
from decoders.state import read_snapshot, verify_snapshot
from decoders.verify import verify_payload

MAX_ROUNDS = 2000
DEFAULT_EXECUTOR = keccak(b"coldsight.state.executor")[12:]  # derived: nobody's key, nobody's contract
# The header's fields in order (yellow paper, then EIP-1559, -4895, -4844, -4788, -7685); the
# optional tail ends at the first field the node does not return.
_HEADER_HASHES = ("parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot", "receiptsRoot", "logsBloom")
_HEADER_INTS = ("difficulty", "number", "gasLimit", "gasUsed", "timestamp")
_HEADER_TAIL = (("baseFeePerGas", int), ("withdrawalsRoot", bytes), ("blobGasUsed", int), ("excessBlobGas", int),
                ("parentBeaconBlockRoot", bytes), ("requestsHash", bytes))


def known_codes() -> tuple[bytes, ...]:
    """Runtime code the offline side bundles: never shipped in a snapshot (named by code hash)."""
    return tuple({c.code for c in bundled() if c.kind in ("singleton", "singleton_l2", "proxy")}
                 | {lib.code for lib in libraries() if lib.form == "runtime"})


class Endpoint:
    """One JSON-RPC endpoint, spoken to with standard methods only."""

    def __init__(self, url: str):
        self.url = url
        self.provider = connect(url).provider

    def request(self, method: str, params: list) -> object:
        try:
            answer = self.provider.make_request(method, params)
        except Exception as err:  # connection errors of every kind
            raise CourierError(f"{method} failed: {err}", self.url) from None
        if not isinstance(answer, dict) or "error" in answer or "result" not in answer:
            raise CourierError(f"{method} answered with an error: {answer.get('error') if isinstance(answer, dict) else answer}",
                               self.url)
        return answer["result"]


def _hex(value: object, where: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise CourierError(f"expected 0x hex, found {value!r:.80}", where)
    text = value[2:]
    try:
        return bytes.fromhex(text if len(text) % 2 == 0 else "0" + text)
    except ValueError:
        raise CourierError(f"not hex: {value!r:.80}", where) from None


def _qty(value: object, where: str) -> int:
    return int.from_bytes(_hex(value, where), "big")


def header_rlp(block: dict, where: str) -> bytes:
    """The header RLP rebuilt from eth_getBlockByNumber's fields; must hash to block["hash"]."""
    def minimal(n: int) -> bytes:
        return n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""

    fields: list[bytes] = [_hex(block.get(k), f"{where}.{k}") for k in _HEADER_HASHES[:7]]
    fields += [minimal(_qty(block.get(k), f"{where}.{k}")) for k in _HEADER_INTS]
    fields += [_hex(block.get("extraData"), f"{where}.extraData"), _hex(block.get("mixHash"), f"{where}.mixHash"),
               _hex(block.get("nonce"), f"{where}.nonce").rjust(8, b"\0")]
    for name, kind in _HEADER_TAIL:
        if block.get(name) is None:
            break
        fields.append(minimal(_qty(block[name], f"{where}.{name}")) if kind is int else _hex(block[name], f"{where}.{name}"))
    encoded = rlp.encode(fields)
    if keccak(encoded) != _hex(block.get("hash"), f"{where}.hash"):
        raise CourierError("the header fields do not hash to the block hash the endpoint gives (a field this "
                           "courier does not know, or a lying endpoint)", where)
    return encoded


@dataclass
class Agreement:
    number: int
    header: bytes
    agreed: int
    asked: int


def agreed_header(endpoints: list[Endpoint], tag: str, chain_id: int) -> Agreement:
    """The block every endpoint gives for `tag`'s number; refused unless all agree."""
    for endpoint in endpoints:
        answered = _qty(endpoint.request("eth_chainId", []), f"{endpoint.url} eth_chainId")
        if answered != chain_id:
            raise CourierError(f"this endpoint serves chain {answered}, the transaction is for chain {chain_id}",
                               endpoint.url)
    first = endpoints[0].request("eth_getBlockByNumber", [tag if not tag.isdigit() else hex(int(tag)), False])
    if not isinstance(first, dict):
        raise CourierError(f"no block {tag!r}", endpoints[0].url)
    number = _qty(first.get("number"), "number")
    headers = []
    for endpoint in endpoints:
        block = endpoint.request("eth_getBlockByNumber", [hex(number), False])
        if not isinstance(block, dict):
            raise CourierError(f"this endpoint has no block {number} (it lags behind, or serves another chain)",
                               endpoint.url)
        headers.append((endpoint.url, header_rlp(block, f"{endpoint.url} block {number}")))
    distinct = {h for _, h in headers}
    if len(distinct) != 1:
        hashes = ", ".join(f"{url}: 0x{keccak(h).hex()}" for url, h in headers)
        raise CourierError(f"the endpoints disagree on block {number} ({len(distinct)} different headers: {hashes}); "
                           "no snapshot written", "--rpc")
    return Agreement(number, headers[0][1], len(endpoints), len(endpoints))


class Fetcher:
    """Proofs and codes at one block, from the first endpoint, into a growing witness."""

    def __init__(self, endpoint: Endpoint, block: Block, witness: Witness):
        self.endpoint, self.block, self.witness = endpoint, block, witness
        self.requests = 0
        self.code_hashes: dict[bytes, bytes] = {}

    def _proof(self, address: bytes, slots: list[int]) -> dict:
        self.requests += 1
        answer = self.endpoint.request("eth_getProof", [to_checksum(address), ["0x" + s.to_bytes(32, "big").hex()
                                                                               for s in slots], hex(self.block.number)])
        if not isinstance(answer, dict):
            raise CourierError("eth_getProof answered no object", self.endpoint.url)
        nodes = list(answer.get("accountProof") or [])
        for entry in answer.get("storageProof") or []:
            nodes += list(entry.get("proof") or [])
        for node in nodes:
            raw = _hex(node, "eth_getProof")
            self.witness.nodes[keccak(raw)] = raw
        return answer

    def fetch(self, missing: StateIncomplete) -> None:
        answer = self._proof(missing.address, [missing.slot] if missing.kind == "storage" and missing.slot is not None else [])
        code_hash = _hex(answer.get("codeHash") or "0x" + EMPTY_CODE_HASH.hex(), "codeHash")
        if code_hash not in (EMPTY_CODE_HASH, b"\0" * 32) and code_hash not in self.witness.codes:
            self.requests += 1
            code = _hex(self.endpoint.request("eth_getCode", [to_checksum(missing.address), hex(self.block.number)]),
                        "eth_getCode")
            if keccak(code) != code_hash:
                raise CourierError(f"eth_getCode of {to_checksum(missing.address)} does not hash to its proven code hash",
                                   self.endpoint.url)
            self.witness.codes[code_hash] = code


@dataclass
class Built:
    snapshot: Snapshot
    rounds: int
    requests: int


def build_snapshot(endpoints: list[Endpoint], report: Report, tag: str = "finalized",
                   executor: bytes = DEFAULT_EXECUTOR, log=None) -> Built:
    chain_id = report.context.chain_id
    if chain_id is None:
        raise CourierError("the transaction's chain id is not known", "chainId")
    agreement = agreed_header(endpoints, tag, chain_id)
    safe = bytes.fromhex(report.context.safe[2:])
    draft = Snapshot(chain_id=chain_id, header=agreement.header, block_hash=keccak(agreement.header), safe=safe,
                     safe_tx_hash=report.hashes.safe_tx,
                     executor=executor, block_tag=tag, endpoints_agreed=agreement.agreed,
                     endpoints_asked=agreement.asked, nodes=(), codes=(), reads=())
    block = parse_header(agreement.header, draft)
    witness = Witness(block=block, codes={keccak(c): c for c in known_codes()})
    fetcher = Fetcher(endpoints[0], block, witness)
    for rounds in range(1, MAX_ROUNDS + 1):
        reads = Reads()
        try:
            run_on_proven_state(witness, report.payload.tx, safe, report.hashes.safe_tx, executor, reads)
        except StateIncomplete as missing:
            if log is not None:
                log(f"  round {rounds}: {missing.describe()}; fetching")
            fetcher.fetch(missing)
            continue
        except SafeNotFound as err:
            raise CourierError(str(err), "safe") from None
        except WorkLimit:
            raise CourierError("the local run did not finish within its work limit", "run") from None
        return Built(_pack(draft, witness, reads), rounds, fetcher.requests)
    raise CourierError(f"the run still read new state after {MAX_ROUNDS} rounds", "run")


def _pack(draft: Snapshot, witness: Witness, reads: Reads) -> Snapshot:
    """Only what the final run read from the trie: its accounts and slots, the nodes on their
    paths, the codes of those accounts that the offline side does not bundle."""
    from trie import HexaryTrie
    from trie.exceptions import MissingTrieNode


    db = _Seen(witness.nodes)
    state_trie = HexaryTrie(db, witness.block.state_root)
    bundled_hashes = {keccak(c) for c in known_codes()}
    entries: list[tuple[bytes, tuple[int, ...]]] = []
    codes: dict[bytes, bytes] = {}
    for address in sorted(reads.accounts):
        try:
            encoded = state_trie.get(keccak(address))
        except MissingTrieNode:
            continue  # only ever seen in the run's journal (never looked up in the trie)
        account = decode_account(encoded, "account") if encoded else None
        storage_trie = HexaryTrie(db, account.storage_root if account else BLANK_ROOT)
        slots = []
        for slot in sorted(reads.accounts[address]):
            try:
                storage_trie.get(keccak(slot.to_bytes(32, "big")))
            except MissingTrieNode:
                continue  # read from the run's own writes (the approval overlay), not from the chain
            slots.append(slot)
        entries.append((address, tuple(slots)))
        if account is not None and address in reads.codes and account.has_code \
                and account.code_hash not in bundled_hashes and account.code_hash in witness.codes:
            codes[account.code_hash] = witness.codes[account.code_hash]
    nodes = tuple(node for key, node in witness.nodes.items() if key in db.reached)
    return replace(draft, nodes=nodes, codes=tuple(codes.values()), reads=tuple(entries))


# -- the command ---------------------------------------------------------------------------------
def register(commands) -> None:
    sub = commands.add_parser("snapshot", help="write a proof-checked snapshot of the chain for one transaction")
    sub.add_argument("--rpc", required=True, action="append",
                     help="JSON-RPC URL; repeat for more endpoints (all must agree on the block)")
    source = sub.add_mutually_exclusive_group(required=True)
    source.add_argument("--payload", help="the transaction: a payload file as `coldsight verify` reads it")
    source.add_argument("--safe-tx-hash", help="the pending transaction's safeTxHash (with --service)")
    sub.add_argument("--service", help="Safe Transaction Service base URL (with --safe-tx-hash)")
    sub.add_argument("--block", default="finalized", help="finalized (default), latest, safe or a block number")
    sub.add_argument("--executor", help="the address that will send execTransaction (default: a derived address "
                                        "nobody controls; matters only for refunds and tx.origin)")
    sub.add_argument("--out", required=True, type=Path, help="the snapshot file to write")
    sub.add_argument("--qr", type=Path, help="also write it as an animated ur:bytes QR: FILE.gif, FILE.txt or a folder")
    sub.add_argument("--fragment", type=int, default=200, help="bytes per QR part (default 200)")


def _report(args, endpoint_url: str) -> Report:
    if args.payload is not None:
        return verify_payload(load_payload(args.payload))
    if args.service is None:
        raise CourierError("--safe-tx-hash needs --service", "--service")

    tx = TransactionService(args.service).transaction(args.safe_tx_hash)
    state = Chain(endpoint_url).read_safe(str(tx.get("safe")))
    return preview(parse_service_tx(tx, state), state)


MAX_QR_BYTES = 64 * 1024  # above this, carry the file on removable media


def run_snapshot(args) -> int:
    endpoints = [Endpoint(url) for url in args.rpc]
    report = _report(args, args.rpc[0])
    executor = bytes.fromhex(parse_address(args.executor, "--executor")[2:]) if args.executor else DEFAULT_EXECUTOR
    started = time.monotonic()
    built = build_snapshot(endpoints, report, args.block, executor)
    data = built.snapshot.encode()
    proven = verify_snapshot(read_snapshot(data), known_codes())  # the offline check, before anything is written
    try:
        args.out.write_bytes(data)
    except OSError as err:
        raise CourierError(f"cannot write: {err.strerror or err}", str(args.out)) from None
    block = proven.block
    print(f"block {block.number} (tag {args.block}) hash 0x{block.hash.hex()}: {built.snapshot.endpoints_agreed} of "
          f"{built.snapshot.endpoints_asked} endpoint(s) agreed")
    print(f"wrote {args.out}: {len(data)} bytes ({len(built.snapshot.nodes)} trie nodes, {len(built.snapshot.codes)} "
          f"code(s), {len(built.snapshot.reads)} account(s)); {built.rounds} local run(s), {built.requests} request(s), "
          f"{time.monotonic() - started:.1f} s")
    if args.qr is not None:
        if len(data) > MAX_QR_BYTES:
            print(f"not written as QR: {len(data)} bytes is more than {MAX_QR_BYTES}; carry the file on removable media",
                  file=sys.stderr)
        else:
            written, parts = write_request(bytes_ur(data), args.qr, args.fragment)
            print(f"wrote {written} ({parts} part(s) of ur:bytes)")
    return 0
