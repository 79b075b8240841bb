"""`coldsight policy keygen|sign|lint|test|diff`: tooling for the security team that writes policies.

Exit statuses: 0 clean / all tests pass / nothing newly allowed; 1 lint warnings, failing
tests, or a diff that allows more; 3 the policy (or its signatures) could not be loaded.
"""

import getpass
import json
import sys
from pathlib import Path

from . import exitcodes
from decoders.vocabulary import Severity

FINDINGS = 1  # lint warnings, failing tests, or a diff that widens what is allowed


def register(subparsers) -> None:
    parser = subparsers.add_parser("policy", help="sign, lint, test and diff policy files")
    commands = parser.add_subparsers(dest="policy_command", parser_class=type(parser))

    keygen = commands.add_parser("keygen", help="create a new signing key as an encrypted V3 keystore")
    keygen.add_argument("--out", required=True, type=Path, help="keystore file to create (never overwritten)")
    keygen.add_argument("--password-file", type=Path, help="file holding the new password (else prompted twice)")
    keygen.add_argument("--kdf", choices=("scrypt", "pbkdf2"), default="scrypt")
    keygen.set_defaults(handler=run_keygen)

    sign = commands.add_parser("sign", help="add your EIP-191 signature over the policy file to POLICY.sig")
    sign.add_argument("policy", metavar="POLICY", type=Path)
    sign.add_argument("--keystore", required=True, type=Path, help="Ethereum V3 keystore JSON file")
    sign.add_argument("--password-file", type=Path, help="file holding the keystore password (else prompted)")
    sign.set_defaults(handler=run_sign)

    lint = commands.add_parser("lint", help="schema errors and suspicious rules")
    lint.add_argument("policy", metavar="POLICY", type=Path)
    lint.add_argument("--abi-dir", type=Path, help="folder of extra ABIs named <address>.json")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.set_defaults(handler=run_lint)

    test = commands.add_parser("test", help="run the policy's [[tests]] entries")
    test.add_argument("policy", metavar="POLICY", type=Path)
    add_trust_arguments(test)
    test.add_argument("--format", choices=("text", "json"), default="text")
    test.set_defaults(handler=run_test)

    diff = commands.add_parser("diff", help="what NEW allows that OLD did not")
    diff.add_argument("old", metavar="OLD", type=Path)
    diff.add_argument("new", metavar="NEW", type=Path)
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.set_defaults(handler=run_diff)
    parser.set_defaults(handler=lambda args: _usage(parser))


def add_trust_arguments(parser) -> None:
    parser.add_argument("--trust", type=Path, help="trust.toml pinning the policy signers (default: the shipped one)")
    parser.add_argument("--unsigned-policy", action="store_true",
                        help="accept an unsigned draft policy; every result is marked UNSIGNED POLICY")


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return exitcodes.USAGE


def _compile(path: Path):
    from policies.load import parse_policy_bytes, read_policy_bytes

    return parse_policy_bytes(read_policy_bytes(path), str(path))


def _read_password(path: Path) -> str:
    from policies.errors import PolicyError

    try:
        return path.read_text().rstrip("\r\n")
    except OSError as err:
        raise PolicyError(f"cannot read password file: {err.strerror}", str(path)) from None


def run_keygen(args) -> int:
    from eth_keys import keys

    from policies.errors import PolicyError
    from policies.keystore import encrypt_keystore, new_private_key, write_new_keystore

    if args.password_file is not None:
        password = _read_password(args.password_file)
    else:
        password = getpass.getpass(f"New password for {args.out}: ")
        if getpass.getpass("Repeat it: ") != password:
            raise PolicyError("the two passwords differ", str(args.out))
    if not password:
        raise PolicyError("an empty password leaves the key unprotected", str(args.password_file or args.out))
    private_key = new_private_key()
    address = keys.PrivateKey(private_key).public_key.to_checksum_address()
    write_new_keystore(args.out, encrypt_keystore(private_key, password, address, kdf=args.kdf))
    print(f"{address}")
    print(f"wrote {args.out} ({args.kdf}); add this address to the trust file's [[signers]]", file=sys.stderr)
    return exitcodes.OK


def run_sign(args) -> int:
    from eth_keys import keys

    from policies.keystore import decrypt_keystore
    from policies.load import read_policy_bytes
    from policies.signing import sign_bytes, signature_path, write_signature

    # Errors (ColdsightError: exit 3) leave through the boundary in cli.main.
    data = read_policy_bytes(args.policy)
    _compile(args.policy)  # never sign a policy that does not load
    if args.password_file is not None:
        password = _read_password(args.password_file)
    else:
        password = getpass.getpass(f"Password for {args.keystore}: ")
    private_key = decrypt_keystore(args.keystore, password)
    signer = keys.PrivateKey(private_key).public_key.to_checksum_address()
    sig_path = signature_path(args.policy)
    write_signature(sig_path, signer, sign_bytes(private_key, data))
    print(f"signed {args.policy} as {signer}; signatures in {sig_path}")
    return exitcodes.OK


def run_lint(args) -> int:
    from decoders.abi import bundled_registry
    from decoders.errors import ColdsightError
    from policies.lint import lint

    try:
        policy = _compile(args.policy)
        registry = bundled_registry()
        if args.abi_dir is not None:
            registry = registry.copy()
            registry.load_abi_dir(args.abi_dir)
    except ColdsightError as err:
        if args.format == "json":
            print(json.dumps({"schema": "coldsight.policy-lint/1", "ok": False,
                              "error": {"code": err.code, "message": err.message, "where": err.where,
                                        "hint": err.hint}}, indent=2))
            print(f"coldsight: {err.describe()}", file=sys.stderr)
            return exitcodes.INVALID  # this command's own JSON error shape (coldsight.policy-lint/1)
        raise
    found = lint(policy, registry)
    warnings = [f for f in found if f.severity == Severity.WARN]
    if args.format == "json":
        print(json.dumps({"schema": "coldsight.policy-lint/1", "ok": not warnings, "policy": policy.id,
                          "findings": [f.as_json() for f in found]}, indent=2))
    else:
        for item in found:
            print(f"{args.policy}: {item.where}: {item.severity}: {item.message}")
        print(f"{policy.id} #{policy.serial}: {len(policy.rules)} rule(s), {len(warnings)} warning(s), "
              f"{len(found) - len(warnings)} note(s)")
    return FINDINGS if warnings else exitcodes.OK


def run_test(args) -> int:
    from policies.testing import run_tests

    from .service import ReviewOptions, load_policy_for_use

    # Signatures and trust checked as `verify --policy` checks them; testing a draft with a new
    # serial must not record that serial (it would make the policy in force look like a rollback).
    options = ReviewOptions(policy=args.policy, unsigned_policy=args.unsigned_policy, trust=args.trust)
    loaded = load_policy_for_use(options, record_serial=False)
    outcomes, uncovered = run_tests(loaded, Path(args.policy).resolve().parent, _case_verifier(options))
    failed = [o for o in outcomes if not o.passed]
    if args.format == "json":
        print(json.dumps({"schema": "coldsight.policy-test/1", "policy": loaded.policy.id, "serial": loaded.policy.serial,
                          "signature": loaded.signature.text, "passed": not failed and bool(outcomes),
                          "tests": [o.as_json() for o in outcomes], "uncoveredRules": uncovered}, indent=2))
    else:
        print(f"Policy {loaded.policy.id} #{loaded.policy.serial} ({loaded.signature.text})")
        for outcome in outcomes:
            mark = "PASS" if outcome.passed else "FAIL"
            print(f"  {mark} {outcome.case.name} ({outcome.case.payload}): {outcome.outcome}")
            for problem in outcome.problems:
                print(f"       {problem}")
        if uncovered:
            print(f"  rules no test covers: {', '.join(uncovered)}")
        if not outcomes:
            print("  no [[tests]] entries")
        print(f"{len(outcomes) - len(failed)} of {len(outcomes)} test(s) passed")
    return FINDINGS if failed or not outcomes else exitcodes.OK


def _case_verifier(options):
    """Each [[tests]] payload through the review service, as `verify` reviews it (address book and
    all), without the policy: the test applies the policy as its signers mean it."""
    from dataclasses import replace

    from .service import PayloadKind, review_payload

    def verify(path: Path, case):
        request = replace(options, payload=str(path), kind=PayloadKind.TRANSACTION, policy=None, chain_id=case.chain_id,
                          safe=case.safe, safe_version=case.safe_version)
        return review_payload(request).report

    return verify


def run_diff(args) -> int:
    from policies.diff import diff, table

    old, new = _compile(args.old), _compile(args.new)
    changes = diff(old, new)
    widening = [c for c in changes if c.loosens]
    narrowing = [c for c in changes if c.direction == "narrows"]
    if args.format == "json":
        print(json.dumps({"schema": "coldsight.policy-diff/2", "old": f"{old.id}#{old.serial}", "new": f"{new.id}#{new.serial}",
                          "allowsMore": bool(widening), "changes": [c.as_json() for c in changes]}, indent=2))
    else:
        verdict = "NEW ALLOWS MORE" if widening else "nothing newly allowed"
        print(f"{old.id} #{old.serial} -> {new.id} #{new.serial}: {verdict} "
              f"({len(widening)} widening, {len(narrowing)} narrowing, {len(changes) - len(widening) - len(narrowing)} other)")
        if changes:
            for line in table(changes):
                print("  " + line)
        else:
            print("  no changes in what is allowed")
    return FINDINGS if widening else exitcodes.OK
