"""`coldsight-courier`: the online machine's half of the signer's loop (no browser in it).

    coldsight-courier pending --service URL --rpc URL --safe ADDR        list, with the chain cross-check
    coldsight-courier propose --service URL --rpc URL --safe ADDR (--to ADDR --value AMOUNT [--token ADDR] |
                              --tx-builder FILE | --payload FILE) --keystore F [--out req.gif|req.txt|DIR]
    coldsight-courier show    --service URL --rpc URL --safe-tx-hash H --out req.gif|req.txt|DIR
    coldsight-courier submit  --service URL --rpc URL --safe-tx-hash H --signature sig.png|sig.txt|camera:0
    coldsight-courier exec    --service URL --rpc URL --safe-tx-hash H [--send-from ADDR | --executor-keystore F]
    coldsight-courier snapshot --rpc URL [--rpc URL ...] --payload FILE --out state.bin [--qr state.gif]

Exit status: 0 done; 1 the service and the chain disagree (listed; nothing shown or sent);
2 refused (a block verdict, a signature that is not an owner's or answers another request,
threshold not met, a proposer who is not an owner); 3 an error (what and where on stderr), or an
execution that failed (ExecutionFailure, reverted); 64 usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from decoders.errors import ColdsightError

from .errors import CourierError
from decoders.vocabulary import Severity, Verdict

OK, DIFFERENT, REFUSED, ERROR, USAGE = 0, 1, 2, 3, 64


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: usage error: {message}", file=sys.stderr)
        sys.exit(USAGE)


class Refused(CourierError):
    code = "COURIER_REFUSED"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="coldsight-courier", description="Online side of the Coldsight signer's loop.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, required=True)

    def common(name: str, text: str, needs_hash: bool) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--service", required=True, help="Safe Transaction Service base URL (…/ without /api)")
        sub.add_argument("--rpc", required=True, help="JSON-RPC URL of a node for the Safe's chain")
        if needs_hash:
            sub.add_argument("--safe-tx-hash", required=True, help="the pending transaction's safeTxHash")
        else:
            sub.add_argument("--safe", required=True, help="the Safe's address")
        return sub

    common("pending", "list pending transactions and cross-check the service against the chain", False)
    propose = common("propose", "build a transaction, sign it as the proposing owner, post it, write the request QR", False)
    source = propose.add_mutually_exclusive_group(required=True)
    source.add_argument("--to", help="a simple transfer to this address (with --value, and --token for an ERC-20)")
    source.add_argument("--tx-builder", type=Path, help="a Safe Transaction Builder batch file (one call, or a batch)")
    source.add_argument("--payload", type=Path, help="a payload file as `coldsight verify` reads it (its nonce is kept)")
    propose.add_argument("--value", help="the amount in the coin's or the token's own units, e.g. 1.5 (with --to)")
    propose.add_argument("--token", help="the ERC-20 token's address (with --to); without it the native coin moves")
    propose.add_argument("--nonce", type=int, help="the Safe nonce to use (default: after the chain's and every queued one)")
    propose.add_argument("--keystore", required=True, type=Path, help="the proposing owner's V3 keystore")
    propose.add_argument("--password-file", type=Path, help="its password (first line); asked when absent")
    propose.add_argument("--ack-warnings", action="store_true", help="propose even though the static preview warns")
    propose.add_argument("--out", type=Path, help="write the request QR: FILE.gif, FILE.txt or a folder (default: print "
                         "the ur: text)")
    propose.add_argument("--fragment", type=int, default=200, help="bytes per QR part (default 200)")
    show = common("show", "write the transaction as an animated eth-sign-request QR", True)
    show.add_argument("--out", required=True, type=Path, help="FILE.gif, FILE.txt (UR texts) or a directory of PNG frames")
    show.add_argument("--fragment", type=int, default=200, help="bytes per QR part (default 200)")
    submit = common("submit", "read the returning eth-signature QR and post the confirmation", True)
    submit.add_argument("--signature", required=True,
                        help="eth-signature: ur: text file, image, folder of frames, GIF/video or camera:N")
    execute = common("exec", "once the threshold is met: build execTransaction, print it, optionally send it", True)
    sender = execute.add_mutually_exclusive_group()
    sender.add_argument("--send-from", help="send with this node-managed account (eth_sendTransaction)")
    sender.add_argument("--executor-keystore", type=Path, help="sign locally with this V3 keystore and send the raw tx")
    execute.add_argument("--password-file", type=Path, help="the executor keystore's password (first line)")
    from .snapshot import register as register_snapshot

    register_snapshot(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from app.sanitize import guarded_streams

    # The service's text (versions, addresses, error details) is hostile input: every line leaves
    # through Coldsight's sanitizing layer, so no control or bidi character reaches the terminal raw.
    with guarded_streams():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    from .snapshot import run_snapshot

    handlers = {"pending": run_pending, "propose": run_propose, "show": run_show, "submit": run_submit, "exec": run_exec,
                "snapshot": run_snapshot}
    try:
        return handlers[args.command](args)
    except Refused as refusal:
        print(f"coldsight-courier: REFUSED: {refusal.describe()}", file=sys.stderr)
        return REFUSED
    except ColdsightError as err:
        print(f"coldsight-courier: {err.describe()}", file=sys.stderr)
        return ERROR


# -- shared steps ------------------------------------------------------------------------------
def _context(args, safe_tx_hash: str | None = None):
    from .chain import Chain
    from .service_api import TransactionService

    service = TransactionService(args.service)
    chain = Chain(args.rpc)
    tx = service.transaction(safe_tx_hash) if safe_tx_hash else None
    safe = tx.get("safe") if tx is not None else args.safe
    if not isinstance(safe, str):
        raise CourierError("the service's transaction names no Safe", "safe")
    state = chain.read_safe(safe)
    return service, chain, state, tx


def _review(tx: dict, state, confirmations: list[dict] | None = None):
    from .crosscheck import check_transaction, parse_service_tx, preview

    if confirmations is not None:
        tx = {**tx, "confirmations": confirmations}
    report = preview(parse_service_tx(tx, state), state)
    return report, check_transaction(tx, report, state)


def _print_differences(differences: list[str]) -> None:
    for line in differences:
        print(f"  DIFFERS: {line}")


# -- commands ----------------------------------------------------------------------------------
def run_pending(args) -> int:
    from .crosscheck import check_safe_info
    from .listing import describe_calls, nonce_conflicts

    service, chain, state, _ = _context(args)
    print("\n".join(state.lines()))
    differences = check_safe_info(service.safe_info(state.safe), state)
    _print_differences(differences)
    pending = service.pending(state.safe)
    print(f"{len(pending)} pending transaction(s):")
    reviewed = []
    for tx in pending:
        report, tx_differences = _review(tx, state)
        reviewed.append(report)
        confirmations = len(tx.get("confirmations") or [])
        print(f"  nonce {report.payload.tx.nonce}  0x{report.hashes.safe_tx.hex()}  verdict {report.verdict} (static)  "
              f"{confirmations}/{state.threshold} confirmations  to {report.payload.tx.to}")
        for line in describe_calls(report, chain, state):
            print(f"      {line}")
        _print_differences(tx_differences)
        differences += tx_differences
    for line in nonce_conflicts(reviewed, state):
        print(f"  NONCE CONFLICT: {line}")
    return DIFFERENT if differences else OK


def run_propose(args) -> int:
    from app.signing import address_of, load_key, read_password, sign_hash

    from .listing import describe_calls, nonce_conflicts
    from .propose import (builder_call, next_nonce, payload_call, proposal_body, service_document, transfer_call)

    service, chain, state, _ = _context(args)
    pending = service.pending(state.safe)
    nonce = None
    if args.to is not None:
        if args.value is None:
            return _usage("propose", "a transfer needs --value (e.g. --value 1.5)")
        call = transfer_call(chain, args.to, args.value, args.token)
    elif args.value is not None or args.token is not None:
        return _usage("propose", "--value and --token go with --to only")
    elif args.tx_builder is not None:
        from app.payload_input import read_bytes
        from decoders.formats.tx_builder import load_batch_file

        call = builder_call(load_batch_file(*read_bytes(str(args.tx_builder))), str(args.tx_builder), chain, state)
    else:
        from app.payload_input import read_bytes

        call, nonce = payload_call(*read_bytes(str(args.payload)), state)
    nonce = args.nonce if args.nonce is not None else nonce if nonce is not None else next_nonce(state, pending)
    if nonce < state.nonce:
        raise Refused(f"nonce {nonce} is below the Safe's nonce {state.nonce}: it could never execute", "nonce")
    document = service_document(state, call, nonce)
    report, _ = _review(document, state)
    safe_tx_hash = report.hashes.safe_tx
    print("\n".join(state.lines()))
    print(f"proposing {call.described}")
    print(f"  nonce {nonce}  safeTxHash 0x{safe_tx_hash.hex()}  static preview verdict {report.verdict}")
    for line in describe_calls(report, chain, state):
        print(f"      {line}")
    for finding in report.findings:
        if finding.severity != Severity.INFO:
            print(f"  {finding.severity.upper()}: {finding.message}")
    queued = [_review(tx, state)[0] for tx in pending]
    for line in nonce_conflicts([*queued, report], state):
        print(f"  NONCE CONFLICT: {line}")
    if report.verdict == Verdict.BLOCK:
        raise Refused("the static preview's verdict is BLOCK: the courier does not sign or propose it", "verdict")
    if report.verdict == Verdict.WARN and not args.ack_warnings:
        raise Refused("the static preview's verdict is WARN: read the warnings, then pass --ack-warnings", "verdict")
    key = load_key(args.keystore, read_password(args.password_file))
    sender = address_of(key)
    if sender.lower() not in {o.lower() for o in state.owners}:
        raise Refused(f"the keystore holds {sender}, who is not an owner on chain", str(args.keystore))
    service.propose(state.safe, proposal_body(document, safe_tx_hash, sender, sign_hash(key, safe_tx_hash)))
    print(f"proposed safeTxHash 0x{safe_tx_hash.hex()}, signed by {sender} (confirmation 1 of {state.threshold})")
    return _write_request_of(service, state, "0x" + safe_tx_hash.hex(), args.out, args.fragment)


def _usage(command: str, message: str) -> int:
    print(f"coldsight-courier {command}: usage error: {message}", file=sys.stderr)
    return USAGE


def _write_request_of(service, state, safe_tx_hash: str, out: Path | None, fragment: int) -> int:
    """Read the transaction back from the service, cross-check it, write (or print) its request QR."""
    from app.qr.encode import ur_texts

    from .transport import sign_request, write_request

    report, differences = _review(service.transaction(safe_tx_hash), state)
    if differences:
        _print_differences(differences)
        print("coldsight-courier: the service and the chain disagree; no request written", file=sys.stderr)
        return DIFFERENT
    request = sign_request(report, state.summary())
    if out is not None:
        written, parts = write_request(request, out, fragment)
        print(f"wrote {written} ({parts} part(s) of ur:eth-sign-request) for safeTxHash {safe_tx_hash}")
        return OK
    texts = ur_texts(request, fragment)
    print(f"request QR ({len(texts)} part(s) of ur:eth-sign-request; save these lines as request.txt for `coldsight sign`):")
    print("\n".join(texts))
    return OK


def run_show(args) -> int:
    from .transport import sign_request, write_request

    _service, _chain, state, tx = _context(args, args.safe_tx_hash)
    report, differences = _review(tx, state)
    print("\n".join(state.lines()))
    if differences:
        _print_differences(differences)
        print("coldsight-courier: the service and the chain disagree; no request written", file=sys.stderr)
        return DIFFERENT
    written, parts = write_request(sign_request(report, state.summary()), args.out, args.fragment)
    print(f"wrote {written} ({parts} part(s) of ur:eth-sign-request) for safeTxHash 0x{report.hashes.safe_tx.hex()}")
    print(f"static preview verdict: {report.verdict} (the offline Coldsight gives the verdict that counts)")
    return OK


def run_submit(args) -> int:
    from .transport import read_signature, request_id

    service, _chain, state, tx = _context(args, args.safe_tx_hash)
    report, differences = _review(tx, state)
    if differences:
        _print_differences(differences)
        return DIFFERENT
    signature = read_signature(args.signature)
    expected_id = request_id(report)
    if signature.request_id is not None and signature.request_id != expected_id:
        raise Refused(f"the signature answers request {signature.request_id.hex()}, not this transaction's "
                      f"{expected_id.hex()}", args.signature)
    owner = recover_owner(signature.signature, report.hashes.safe_tx)
    if owner.lower() not in {o.lower() for o in state.owners}:
        raise Refused(f"the signature over safeTxHash 0x{report.hashes.safe_tx.hex()} is by {owner}, "
                      "who is not an owner on chain", args.signature)
    service.post_confirmation("0x" + report.hashes.safe_tx.hex(), signature.signature)
    print(f"posted the confirmation of {owner} for safeTxHash 0x{report.hashes.safe_tx.hex()}")
    return OK


def recover_owner(signature: bytes, digest: bytes) -> str:
    """The address an r||s||v (v 27/28) signature of `digest` belongs to."""
    from eth_keys import keys
    from eth_keys.exceptions import BadSignature

    if len(signature) != 65 or signature[64] not in (27, 28):
        raise Refused("not a 65-byte ECDSA signature with v 27/28 (an EIP-712 signature of the safeTxHash)",
                      "eth-signature")
    try:
        vrs = (signature[64] - 27, int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"))
        return keys.Signature(vrs=vrs).recover_public_key_from_msg_hash(digest).to_checksum_address()
    except (BadSignature, ValueError) as err:
        raise Refused(f"the signature does not recover: {err}", "eth-signature") from None


def run_exec(args) -> int:
    from .execute import OwnerSignature, exec_calldata, packed_signatures

    service, chain, state, tx = _context(args, args.safe_tx_hash)
    confirmations = service.confirmations(args.safe_tx_hash)
    report, differences = _review(tx, state, confirmations)
    if differences:
        _print_differences(differences)
        return DIFFERENT
    if report.verdict == Verdict.BLOCK:
        raise Refused("the static review's verdict is BLOCK; the courier does not execute it", "verdict")
    if report.payload.tx.nonce != state.nonce:
        raise Refused(f"the transaction's nonce is {report.payload.tx.nonce}, the Safe's is {state.nonce}", "nonce")
    owners = {o.lower() for o in state.owners}
    valid = []
    for item in confirmations:  # each one recovered here over the recomputed hash; the service's owner is a claim
        signature = _hex_bytes(item.get("signature"))
        try:
            owner = recover_owner(signature, report.hashes.safe_tx)
        except Refused as skipped:
            print(f"  skipped a confirmation: {skipped.message}")
            continue
        if owner.lower() in owners:
            valid.append(OwnerSignature(owner, signature))
    if len(valid) < state.threshold:
        raise Refused(f"{len(valid)} valid owner confirmation(s), the threshold is {state.threshold}", "confirmations")
    data = exec_calldata(report.payload.tx, packed_signatures(valid, state.threshold))
    print(f"execTransaction for safeTxHash 0x{report.hashes.safe_tx.hex()} ({state.threshold} of {len(state.owners)} signatures)")
    print(f"to:   {state.safe}")
    print(f"data: 0x{data.hex()}")
    if not (args.send_from or args.executor_keystore):
        print("not sent (no --send-from or --executor-keystore): send the data above to the Safe from any account, "
              "or run again with one of them")
        return OK
    receipt = _send(chain, state.safe, data, args)
    return _report_outcome(receipt, state, report.hashes.safe_tx)


def _report_outcome(receipt, state, safe_tx_hash: bytes) -> int:
    """In words: did the Safe run the transaction (ExecutionSuccess) or only use up its nonce (ExecutionFailure)?"""
    from .execute import execution_outcome

    tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
    where = f"transaction {tx_hash} in block {receipt['blockNumber']} (gas used {receipt['gasUsed']})"
    if receipt["status"] != 1:
        print(f"FAILED: execTransaction reverted: {where}; nothing changed and the Safe's nonce is still "
              f"{state.nonce}", file=sys.stderr)
        return ERROR
    outcome = execution_outcome(receipt["logs"], state.safe, safe_tx_hash)
    if outcome == "ExecutionSuccess":
        print(f"executed: the Safe emitted ExecutionSuccess for safeTxHash 0x{safe_tx_hash.hex()}: {where}; "
              f"the Safe's nonce is now {state.nonce + 1}")
        return OK
    if outcome == "ExecutionFailure":
        print(f"FAILED: the Safe emitted ExecutionFailure for safeTxHash 0x{safe_tx_hash.hex()}: the call it makes "
              f"reverted, so nothing it asked for happened, but the nonce {state.nonce} is used up; {where}",
              file=sys.stderr)
        return ERROR
    print(f"UNKNOWN: {where} succeeded but the Safe emitted neither ExecutionSuccess nor ExecutionFailure for "
          f"safeTxHash 0x{safe_tx_hash.hex()}: check the Safe's nonce and the transaction before trying again",
          file=sys.stderr)
    return ERROR


def _hex_bytes(value: object) -> bytes:
    try:
        return bytes.fromhex(value[2:]) if isinstance(value, str) and value.startswith("0x") else b""
    except ValueError:
        return b""


def _send(chain, safe: str, data: bytes, args):
    """Send execTransaction and wait for its receipt (reverted or not)."""
    w3 = chain.w3
    call = {"to": safe, "data": "0x" + data.hex()}

    def sent():
        if args.send_from:
            tx_hash = w3.eth.send_transaction({**call, "from": chain.checksum(args.send_from)})
        else:
            from eth_account import Account

            from app.signing import read_password

            key = Account.decrypt(args.executor_keystore.read_text(), read_password(args.password_file))
            sender = Account.from_key(key)
            fields = {**call, "from": sender.address, "chainId": chain.chain_id(),
                      "nonce": w3.eth.get_transaction_count(sender.address)}
            fields["gas"] = w3.eth.estimate_gas(fields)
            fields["gasPrice"] = w3.eth.gas_price
            tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(fields).raw_transaction)
        print(f"sent: transaction 0x{bytes(tx_hash).hex()}; waiting for its receipt")
        return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)

    return chain._guarded("sending execTransaction", sent)


if __name__ == "__main__":
    sys.exit(main())
