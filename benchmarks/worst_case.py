"""Worst case per input stage at the documented limits: wall time and peak memory.

Each stage builds the most expensive input its limits allow (the shape that makes the parser or
verifier work hardest, not just the largest) and runs it in a fresh Python process, so the peak
resident memory reported is that stage's alone (interpreter and imports included). The target,
for every stage: < 5 s and < 512 MB. A benchmark, not a test: tests never assert times.

    python benchmarks/worst_case.py              # every stage, a Markdown table
    python benchmarks/worst_case.py signatures   # one stage
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TIME_TARGET_S = 5.0
MEMORY_TARGET_MB = 512


# -- inputs (built with eth-abi and the test builders: independent of the code measured) --------
def _record(**extra) -> dict:
    from tests.builders import address, service_record

    return service_record(address("worst-safe"), address("worst-target"), **extra)


def _run_verify(data: bytes, execute: bool = False, abi_dir: Path | None = None) -> Callable[[], str]:
    """The measured work: verify_bytes on an input already built (building is not timed)."""
    from decoders.errors import ColdsightError
    from decoders.verify import VerifyOptions, verify_bytes

    def run() -> str:
        try:
            report = verify_bytes(data, "worst-case", VerifyOptions(execute=execute, abi_dir=abi_dir))
        except ColdsightError as err:
            return f"{err.code}: {err.message[:70]}"
        return f"verdict {report.verdict}, {sum(1 for _ in report.root.walk())} call(s)"

    return run


def _described(prefix: str, run: Callable[[], str]) -> Callable[[], str]:
    return lambda: f"{prefix}: {run()}"


def stage_json_size() -> Callable[[], str]:
    """A JSON document of MAX_JSON_BYTES: the SafeTx plus one huge array of small numbers."""
    from decoders import strictjson

    record = _record()
    filler = (strictjson.MAX_JSON_BYTES - len(json.dumps(record)) - 64) // 2
    text = json.dumps(record)[:-1] + ', "filler": [' + ",".join(["1"] * filler) + "]}"
    text = text[: strictjson.MAX_JSON_BYTES]
    if not text.endswith("]}"):
        text = text[: text.rindex(",")] + "]}"
    return _described(f"{len(text)} bytes", _run_verify(text.encode()))


def stage_json_depth() -> Callable[[], str]:
    """Nesting at MAX_DEPTH repeated to fill MAX_JSON_BYTES (many deep branches)."""
    from decoders import strictjson

    depth = strictjson.MAX_DEPTH - 3  # inside the record and the filler list: MAX_DEPTH levels in all
    branch = "[" * depth + "1" + "]" * depth
    count = (strictjson.MAX_JSON_BYTES - 4096) // (len(branch) + 1)
    record = json.dumps(_record())
    text = record[:-1] + ', "filler": [' + ",".join([branch] * count) + "]}"
    return _described(f"{len(text)} bytes, depth {depth + 1}", _run_verify(text.encode()))


def stage_json_too_deep() -> Callable[[], str]:
    """MAX_JSON_BYTES of opening brackets: refused by the pre-scan, before the C parser recurses."""
    from decoders import strictjson

    return _run_verify(b"[" * strictjson.MAX_JSON_BYTES)


def _signature_blob(index: int) -> str:
    from eth_keys import keys

    key = keys.PrivateKey((index + 1).to_bytes(32, "big"))
    signature = key.sign_msg_hash(bytes(32))
    return "0x" + signature.r.to_bytes(32, "big").hex() + signature.s.to_bytes(32, "big").hex() + f"{signature.v + 27:02x}"


def stage_signatures() -> Callable[[], str]:
    """MAX_SIGNATURES attached signatures, all well-formed (every one costs a full recovery)."""
    from decoders.bounds import MAX_SIGNATURES
    from tests.builders import address

    half = MAX_SIGNATURES // 2
    blobs = [_signature_blob(i) for i in range(MAX_SIGNATURES)]
    record = _record(
        confirmations=[{"owner": address(f"owner-{i}"), "signature": blobs[i]} for i in range(half)],
        signatures="0x" + "".join(blob[2:] for blob in blobs[half:]),
    )
    return _described(f"{MAX_SIGNATURES} signatures", _run_verify(json.dumps(record).encode()))


def stage_signatures_over() -> Callable[[], str]:
    """20,000 attached signatures (the issue's case): refused before any recovery."""
    blob = _signature_blob(0)[2:]
    record = _record(signatures="0x" + blob * 20_000)
    return _run_verify(json.dumps(record).encode())


def _worst_ur_text(seq_len: int, parts: int, message_len: int, never_complete: bool = True) -> str:
    """`parts` mixed fountain parts of one `ur:bytes` message of `message_len` bytes in `seq_len`
    fragments. With `never_complete`, no part touches fragment 0, so the message never completes
    and every part past the rank limit is reduced all the way (the elimination's worst case)."""
    import random

    from decoders.ur.fountain import FountainEncoder, choose_fragments
    from decoders.ur.ur import encode_part

    rng = random.Random(11)
    body = bytes(rng.getrandbits(8) for _ in range(message_len - 5))
    cbor = b"\x5a" + len(body).to_bytes(4, "big") + body
    fragment_len = -(-len(cbor) // seq_len)
    encoder = FountainEncoder(cbor, fragment_len, first_seq_num=seq_len, min_fragment_len=1)
    texts: list[str] = []
    while len(texts) < parts:
        part = encoder.next_part()
        if never_complete and 0 in choose_fragments(part.seq_num, part.seq_len, part.checksum):
            continue
        texts.append(encode_part("bytes", part))
    return "\n".join(texts)


def stage_ur_text() -> Callable[[], str]:
    """A `ur:` text at the limits: MAX_UR_PARTS mixed parts of a MAX_UR_FRAGMENTS-fragment message,
    as large as MAX_UR_TEXT_BYTES allows."""
    from decoders.bounds import MAX_UR_FRAGMENTS, MAX_UR_PARTS, MAX_UR_TEXT_BYTES

    # bytewords minimal: 2 characters per byte; a part carries ~20 bytes of header and CRC.
    message_len = min(4 * 1024 * 1024, (MAX_UR_TEXT_BYTES // MAX_UR_PARTS // 2 - 40) * MAX_UR_FRAGMENTS)
    text = _worst_ur_text(MAX_UR_FRAGMENTS, MAX_UR_PARTS, message_len)
    return _described(f"{len(text)} chars, {MAX_UR_PARTS} parts of a {message_len}-byte message", _run_verify(text.encode()))


def stage_ur_text_issue() -> Callable[[], str]:
    """The issue's case: ~630 KB of 10,000 mixed parts (refused by the part-count bound)."""
    text = _worst_ur_text(5_000, 10_000, 50_000, never_complete=False)
    return _described(f"{len(text)} chars", _run_verify(text.encode()))


def _abi_dir(functions: list[str]) -> Path:
    import tempfile

    from tests.builders import address

    folder = Path(tempfile.mkdtemp(prefix="worst-abi-"))
    (folder / f"{address('worst-target').lower()}.json").write_text(json.dumps({"functions": functions}))
    return folder


def stage_abi_amplification() -> Callable[[], str]:
    """`f(uint256[][])` whose outer offsets all point at one large inner array: an eager decoder
    would materialise it once per offset (gigabytes); the strict decoder only accepts an offset
    that points at the next unread byte, so it refuses at the second element."""
    from decoders import strictjson
    from tests.builders import selector

    hex_budget = (strictjson.MAX_JSON_BYTES - 4096) // 2
    inner_len = (hex_budget // 32) // 2
    outer = inner_len
    words = [0x20, outer] + [outer * 32] * outer + [inner_len] + [7] * inner_len
    data = selector("f(uint256[][])") + b"".join(w.to_bytes(32, "big") for w in words)
    data = data[:hex_budget]
    record = _record(data=data)
    return _described(f"{len(data)} bytes of calldata",
                      _run_verify(json.dumps(record).encode(), abi_dir=_abi_dir(["f(uint256[][] x)"])))


def stage_abi_large_valid() -> Callable[[], str]:
    """The largest valid argument: one `bytes` of about MAX_JSON_BYTES / 2 (hex) decoded and re-encoded."""
    from eth_abi import encode

    from decoders import strictjson
    from tests.builders import selector

    size = (strictjson.MAX_JSON_BYTES - 4096) // 2 - 200
    data = selector("g(bytes)") + encode(["bytes"], [b"\x01" * size])
    return _described(f"{len(data)} bytes of calldata",
                      _run_verify(json.dumps(_record(data=data)).encode(), abi_dir=_abi_dir(["g(bytes x)"])))


def _batch(entries: int) -> bytes:
    from tests.builders import USDC, address, erc20_transfer, multisend, packed_entry

    recipient = address("worst-recipient")
    return multisend(b"".join(packed_entry(0, USDC, 0, erc20_transfer(recipient, i + 1)) for i in range(entries)))


def _batch_record(entries: int) -> bytes:
    from tests.builders import MULTISEND_CALL_ONLY_130, address, service_record

    record = service_record(address("worst-safe"), MULTISEND_CALL_ONLY_130, data=_batch(entries), operation=1)
    return json.dumps(record).encode()


def stage_batch_static() -> Callable[[], str]:
    """A MultiSendCallOnly batch of MAX_ENTRIES token transfers, static path (decode, findings)."""
    from decoders.multisend import MAX_ENTRIES

    return _described(f"{MAX_ENTRIES} entries", _run_verify(_batch_record(MAX_ENTRIES)))


def stage_batch_over() -> Callable[[], str]:
    """One entry more than MAX_ENTRIES: an undecodable batch (block), not more work."""
    from decoders.multisend import MAX_ENTRIES

    return _described(f"{MAX_ENTRIES + 1} entries", _run_verify(_batch_record(MAX_ENTRIES + 1)))


def stage_batch_with_evm() -> Callable[[], str]:
    """The same MAX_ENTRIES batch with the EVM check (the real bytecode executes every call)."""
    from decoders.multisend import MAX_ENTRIES

    return _described(f"{MAX_ENTRIES} entries", _run_verify(_batch_record(MAX_ENTRIES), execute=True))


def stage_batch_nested() -> Callable[[], str]:
    """Batches nested MAX_DEPTH deep (each a delegatecall to MultiSendCallOnly inside the previous)."""
    from decoders.calls import MAX_DEPTH
    from tests.builders import MULTISEND_CALL_ONLY_130, address, packed_entry, service_record

    data = _batch(10)
    for _ in range(MAX_DEPTH + 1):
        from tests.builders import multisend

        data = multisend(packed_entry(1, MULTISEND_CALL_ONLY_130, 0, data))
    record = service_record(address("worst-safe"), MULTISEND_CALL_ONLY_130, data=data, operation=1)
    return _described(f"depth {MAX_DEPTH + 1}", _run_verify(json.dumps(record).encode()))


# -- the EVM check: precompiles a transaction may call, at and past the work bound ---------------
# (decoders/evm/machine.py: one bound of about 3 s of work, charged per jump and per precompile gas)
def _precompile(n: int) -> str:
    return "0x" + n.to_bytes(20, "big").hex()


def _blake2f(rounds: int) -> bytes:
    return rounds.to_bytes(4, "big") + bytes(64) + b"abc" + bytes(125) + (3).to_bytes(8, "little") + bytes(8) + b"\x01"


def _evm_batch(entries: list[tuple[str, bytes]]) -> bytes:
    """A Safe 1.4.1 MultiSend batch calling each (target, data) as the Safe, verified with the EVM check."""
    from tests.builders import address, multisend, packed_entry, service_record

    multisend_141 = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"  # safe-deployments v1.4.1 multi_send
    blob = b"".join(packed_entry(0, to, 0, data) for to, data in entries)
    record = service_record(address("worst-safe"), multisend_141, data=multisend(blob), operation=1,
                            safe_version="1.4.1")
    return json.dumps(record).encode()


def _bn128_pairs(pairs: int) -> bytes:
    """`pairs` copies of (G1, G2): valid curve points, so every pair is computed (the result is false)."""
    g1 = (1).to_bytes(32, "big") + (2).to_bytes(32, "big")
    # G2 generator of alt_bn128 (EIP-197), imaginary part first
    g2 = bytes.fromhex("198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
                       "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
                       "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
                       "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa")
    return (g1 + g2) * pairs


def stage_evm_blake2f_issue() -> Callable[[], str]:
    """The issue's case: one blake2f call with 20,000,000 rounds (2 min 12 s unbounded): stopped by the
    work bound before it computes anything."""
    return _run_verify(_evm_batch([(_precompile(9), _blake2f(20_000_000))]), execute=True)


def stage_evm_blake2f_at_bound() -> Callable[[], str]:
    """The most blake2f work the bound lets run: rounds just under it, in one call."""
    from decoders.evm import machine

    rounds = machine.WORK_LIMIT // machine.PRECOMPILE_WORK_PER_GAS[9] - 20_000
    return _described(f"{rounds} rounds", _run_verify(_evm_batch([(_precompile(9), _blake2f(rounds))]), execute=True))


def stage_evm_point_evaluation() -> Callable[[], str]:
    """Point evaluation (0x0a) called 500 times (about 3 s each unbounded): stopped at the first call."""
    import hashlib

    commitment = b"\xc0" + bytes(47)
    data = b"\x01" + hashlib.sha256(commitment).digest()[1:] + bytes(64) + commitment + commitment
    return _run_verify(_evm_batch([(_precompile(10), data)] * 500), execute=True)


def stage_evm_pairing() -> Callable[[], str]:
    """ecPairing calls of 4 pairs (the most one call may do under the bound), repeated: the bound stops them."""
    return _run_verify(_evm_batch([(_precompile(8), _bn128_pairs(4))] * 20), execute=True)


def stage_evm_ecmul() -> Callable[[], str]:
    """ecMul calls with a full-width scalar, 400 of them: run until the bound."""
    data = (1).to_bytes(32, "big") + (2).to_bytes(32, "big") + (2**256 - 1).to_bytes(32, "big")
    return _run_verify(_evm_batch([(_precompile(7), data)] * 400), execute=True)


def stage_evm_modexp() -> Callable[[], str]:
    """modexp with 1 KB base, exponent and modulus (about 2.8M gas each), as many as a block's gas pays for."""
    size = 1024
    data = size.to_bytes(32, "big") * 3 + b"\xee" * size + b"\xfd" * size + b"\xc7" * size
    return _run_verify(_evm_batch([(_precompile(5), data)] * 14), execute=True)


def stage_policy_size() -> Callable[[], str]:
    """A policy at MAX_POLICY_BYTES of rules, compiled (the policy engine's own bound)."""
    from policies import schema

    from tests.builders import USDC, address

    header = ('schema = "coldsight.policy/1"\n[meta]\nid = "worst"\nserial = 1\n[defaults]\nunmatched = "deny"\n'
              f'unknown_abi = "deny"\n[[safes]]\nchain = 1\naddress = "{address("worst-safe")}"\nversion = "1.4.1"\n\n')
    rule = ('[[rules]]\nid = "r{i}"\neffect = "allow"\n'
            f'call = {{ to = "{USDC}", function = "transfer(address to,uint256 amount)", value = "0" }}\n'
            f'args = {{ to = {{ in = ["{address("worst-recipient")}"] }}, amount = {{ lte = "{{i}}" }} }}\n\n')
    rules = []
    size = len(header)
    i = 0
    while i < schema.MAX_RULES and size + len(rule) + 8 < schema.MAX_POLICY_BYTES:
        rules.append(rule.replace("{i}", str(i)))
        size += len(rules[-1])
        i += 1
    text = (header + "".join(rules)).encode()

    def run() -> str:
        try:
            policy = schema.compile_policy(text, "worst.toml")
        except Exception as err:  # noqa: BLE001 (a refusal is also an outcome to report)
            return f"{len(text)} bytes, {i} rules: refused ({type(err).__name__}: {str(err)[:80]})"
        return f"{len(text)} bytes, {len(policy.rules)} rules compiled"

    return run


def _typed_message(shape: str, values: int) -> str:
    """A Safe message whose typed data holds about `values` JSON values in its costliest shapes: items
    of a struct (a keccak per item plus an address and a number), or an array of strings (a keccak each)."""
    from tests.builders import address

    types: dict = {"EIP712Domain": [{"name": "name", "type": "string"}]}
    if shape == "struct":
        types["Item"] = [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}]
        types["Mail"] = [{"name": "items", "type": "Item[]"}]
        message: dict = {"items": [{"to": address("payee"), "amount": 1}] * ((values - 4) // 3)}
    else:
        types["Mail"] = [{"name": "items", "type": "string[]"}]
        message = {"items": ["a"] * (values - 4)}
    inner = {"types": types, "primaryType": "Mail", "domain": {"name": "x"}, "message": message}
    return json.dumps({"safe": address("worst-safe"), "chainId": 1, "safeVersion": "1.4.1", "message": inner})


def _run_message(text: str) -> Callable[[], str]:
    from decoders.errors import ColdsightError
    from decoders.messages import load_message_document, review_message

    def run() -> str:
        try:
            review = review_message(load_message_document(text, "worst-case"))
        except ColdsightError as err:
            return f"{err.code}: {err.message[:70]}"
        return f"verdict {review.verdict}"

    return run


def stage_message_struct_items() -> Callable[[], str]:
    """A Safe message of MAX_TYPED_DATA_VALUES values: struct items (each hashed), the costliest shape."""
    from decoders.typed_view import MAX_TYPED_DATA_VALUES

    text = _typed_message("struct", MAX_TYPED_DATA_VALUES)
    return _described(f"{len(text)} bytes", _run_message(text))


def stage_message_strings() -> Callable[[], str]:
    """A Safe message of MAX_TYPED_DATA_VALUES values: an array of strings (each hashed, each text-checked)."""
    from decoders.typed_view import MAX_TYPED_DATA_VALUES

    text = _typed_message("string", MAX_TYPED_DATA_VALUES)
    return _described(f"{len(text)} bytes", _run_message(text))


def stage_message_issue() -> Callable[[], str]:
    """The issue's 0.5 MB message (7,400 struct items): 108 s when the type hash was recomputed per item."""
    text = _typed_message("struct", 3 * 7_400 + 4)
    return _described(f"{len(text)} bytes", _run_message(text))


def stage_message_over() -> Callable[[], str]:
    """A 4 MiB message of 185,000 values: refused before hashing."""
    text = _typed_message("struct", 185_000)
    return _described(f"{len(text)} bytes", _run_message(text))


def _builder(array_items: int) -> tuple[bytes, bytes]:
    from tests.builders import address, calldata, service_record

    safe, target = address("worst-safe"), address("worst-target")
    tx = {"to": target, "value": "0", "data": None,
          "contractMethod": {"name": "f", "inputs": [{"name": "xs", "type": "uint256[]", "internalType": "uint256[]"}],
                             "payable": False},
          "contractInputsValues": {"xs": "[" + ",".join(["1"] * array_items) + "]"}}
    document = {"version": "1.0", "chainId": "1", "createdAt": 0, "meta": {"name": "x", "createdFromSafeAddress": safe},
                "transactions": [tx]}
    record = service_record(safe, target, data=calldata("f(uint256[])", ["uint256[]"], [[1] * 1000]), safe_version="1.4.1")
    return json.dumps(document).encode(), json.dumps(record).encode()


def _run_builder(file: bytes, payload: bytes) -> Callable[[], str]:
    from decoders.errors import ColdsightError
    from decoders.formats.tx_builder import load_batch_file
    from decoders.verify import VerifyOptions, verify_bytes

    def run() -> str:
        try:
            report = verify_bytes(payload, "worst-case", VerifyOptions(execute=False,
                                                                      batch_file=load_batch_file(file, "worst-case.json")))
        except ColdsightError as err:
            return f"{err.code}: {err.message[:70]}"
        found = [f for f in report.findings if f.code.startswith("BUILDER_")]
        return f"verdict {report.verdict}, {len(found)} builder finding(s)"

    return run


def stage_builder_array() -> Callable[[], str]:
    """A Transaction Builder file whose array input holds MAX_BUILDER_VALUES values, compared with a payload."""
    from decoders.formats.tx_builder import MAX_BUILDER_VALUES

    file, payload = _builder(MAX_BUILDER_VALUES - 1)
    return _described(f"{len(file)} bytes", _run_builder(file, payload))


def stage_builder_issue() -> Callable[[], str]:
    """The issue's shape: a 4 MB builder file, one array of 2,000,000 values (6.5 s and 447 MB before): refused."""
    file, payload = _builder(2_000_000)
    return _described(f"{len(file)} bytes", _run_builder(file, payload))


def _self_calls(count: int, heavy: bool) -> bytes:
    from tests.builders import MULTISEND_CALL_ONLY_130, address, calldata, multisend, packed_entry, service_record

    safe = address("worst-safe")
    entries = b"".join(packed_entry(0, safe, 0, calldata("addOwnerWithThreshold(address,uint256)", ["address", "uint256"],
                                                         [address(f"owner-{i}"), 1]) if heavy else b"")
                       for i in range(count))
    record = service_record(safe, MULTISEND_CALL_ONLY_130, data=multisend(entries), operation=1, safe_version="1.3.0")
    return json.dumps(record).encode()


def stage_self_calls_with_evm() -> Callable[[], str]:
    """MAX_SELF_CALLS_EXECUTED addOwnerWithThreshold calls to the Safe itself, executed on the real bytecode."""
    from decoders.execution_check import MAX_SELF_CALLS_EXECUTED

    return _described(f"{MAX_SELF_CALLS_EXECUTED} self-calls",
                      _run_verify(_self_calls(MAX_SELF_CALLS_EXECUTED, heavy=True), execute=True))


def stage_self_calls_issue() -> Callable[[], str]:
    """The issue's 5,000 self-calls in one batch (15 s before): not executed, block."""
    return _described("5000 self-calls", _run_verify(_self_calls(5_000, heavy=False), execute=True))


STAGES = {
    "json-size": stage_json_size,
    "json-depth": stage_json_depth,
    "json-too-deep": stage_json_too_deep,
    "signatures": stage_signatures,
    "signatures-20000": stage_signatures_over,
    "ur-text": stage_ur_text,
    "ur-text-issue": stage_ur_text_issue,
    "abi-amplification": stage_abi_amplification,
    "abi-large-bytes": stage_abi_large_valid,
    "batch-static": stage_batch_static,
    "batch-over-limit": stage_batch_over,
    "batch-nested": stage_batch_nested,
    "batch-with-evm": stage_batch_with_evm,
    "policy-size": stage_policy_size,
    "message-struct-items": stage_message_struct_items,
    "message-strings": stage_message_strings,
    "message-issue": stage_message_issue,
    "message-over-limit": stage_message_over,
    "builder-array": stage_builder_array,
    "builder-issue": stage_builder_issue,
    "self-calls-with-evm": stage_self_calls_with_evm,
    "self-calls-issue": stage_self_calls_issue,
    "evm-blake2f-20M-rounds": stage_evm_blake2f_issue,
    "evm-blake2f-at-bound": stage_evm_blake2f_at_bound,
    "evm-point-evaluation-x500": stage_evm_point_evaluation,
    "evm-ecpairing-4-pairs-x20": stage_evm_pairing,
    "evm-ecmul-x400": stage_evm_ecmul,
    "evm-modexp-1KB-x14": stage_evm_modexp,
}


def _child(name: str) -> None:
    """Run one stage in this (fresh) process and print its measurements as JSON."""
    run = STAGES[name]()  # building the input is not timed
    start = time.perf_counter()
    outcome = run()
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    print(json.dumps({"stage": name, "seconds": elapsed, "peak_mb": peak_mb, "outcome": outcome}))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _child(argv[1])
        return 0
    names = argv or list(STAGES)
    print("| stage | worst input | time (s) | peak memory (MB) | within 5 s / 512 MB |")
    print("|---|---|---|---|---|")
    failed = False
    for name in names:
        run = subprocess.run([sys.executable, __file__, "--child", name], capture_output=True, text=True, cwd=ROOT)
        if run.returncode != 0:
            last = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else run.returncode
            print(f"| {name} | crashed: {last} | | | no |")
            failed = True
            continue
        result = json.loads(run.stdout.strip().splitlines()[-1])
        ok = result["seconds"] < TIME_TARGET_S and result["peak_mb"] < MEMORY_TARGET_MB
        failed |= not ok
        print(f"| {name} | {result['outcome']} | {result['seconds']:.2f} | {result['peak_mb']:.0f} | {'yes' if ok else 'NO'} |",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
