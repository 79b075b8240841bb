"""`coldsight policy keygen|sign|lint|test|diff|export`: tooling for the security team that writes policies.

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
    test.add_argument("--abi-dir", type=Path, help="folder of extra ABIs named <address>.json (as verify --abi-dir)")
    add_trust_arguments(test)
    test.add_argument("--format", choices=("text", "json"), default="text")
    test.set_defaults(handler=run_test)

    diff = commands.add_parser("diff", help="what NEW allows that OLD did not (two policies, or two trust files)")
    diff.add_argument("old", metavar="OLD", type=Path)
    diff.add_argument("new", metavar="NEW", type=Path)
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.set_defaults(handler=run_diff)

    export = commands.add_parser("export", help="compile the allow rules a chain can enforce (Zodiac Roles v2)")
    export.add_argument("policy", metavar="POLICY", type=Path)
    export.add_argument("--zodiac-roles", action="store_true", required=True,
                        help="Zodiac Roles v2 permissions (zodiac-roles-sdk Permission objects), as JSON")
    export.add_argument("--safe", help="only this Safe of the policy (default: every [[safes]] entry)")
    export.add_argument("--out", type=Path, help="write the JSON here instead of standard output")
    export.set_defaults(handler=run_export)
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
    options = ReviewOptions(policy=args.policy, unsigned_policy=args.unsigned_policy, trust=args.trust,
                            abi_dir=args.abi_dir)
    loaded = load_policy_for_use(options, record_serial=False)
    outcomes, uncovered = run_tests(loaded, Path(args.policy).resolve().parent, _case_verifier(options, loaded))
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


def _case_verifier(options, loaded):
    """Each [[tests]] transaction payload verified as `verify` verifies a plain transaction (service.review:
    the request's verify options, --abi-dir included, and its address book: the team's imported book
    with the policy's [addresses] over it), without applying the policy: the test applies it as its
    signers mean it. Without the policy's names its own payees would be unknown counterparties."""
    from dataclasses import replace

    from policies.testing import verify_case

    from .service import address_book_for

    verify_options = replace(options.verify_options, address_book=address_book_for(options, loaded))
    return lambda path, case: verify_case(path, case, verify_options)


def _is_trust_file(path: Path) -> bool:
    """A trust file (`schema = "coldsight.trust/1"`) rather than a policy: read its schema line only."""
    import tomllib

    from policies.load import read_policy_bytes
    from policies.signing import TRUST_SCHEMA

    try:
        document = tomllib.loads(read_policy_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # the policy loader names the problem
    return document.get("schema") == TRUST_SCHEMA


def run_diff(args) -> int:
    from policies.diff import diff, diff_trust, table
    from policies.errors import PolicyError

    trust = (_is_trust_file(args.old), _is_trust_file(args.new))
    if trust[0] != trust[1]:
        raise PolicyError("cannot compare a trust file with a policy", str(args.old if trust[0] else args.new),
                          "diff two policies, or two trust files")
    if trust[0]:
        from policies.signing import load_trust

        old_trust, new_trust = load_trust(args.old), load_trust(args.new)
        changes = diff_trust(old_trust, new_trust)
        old_name = f"trust {old_trust.threshold}-of-{len(old_trust.signers)}"
        new_name = f"trust {new_trust.threshold}-of-{len(new_trust.signers)}"
    else:
        old, new = _compile(args.old), _compile(args.new)
        changes = diff(old, new)
        old_name, new_name = f"{old.id}#{old.serial}", f"{new.id}#{new.serial}"
    widening = [c for c in changes if c.loosens]
    narrowing = [c for c in changes if c.direction == "narrows"]
    if args.format == "json":
        print(json.dumps({"schema": "coldsight.policy-diff/2", "kind": "trust" if trust[0] else "policy",
                          "old": old_name, "new": new_name,
                          "allowsMore": bool(widening), "changes": [c.as_json() for c in changes]}, indent=2))
    else:
        verdict = "NEW ALLOWS MORE" if widening else "nothing newly allowed"
        print(f"{old_name.replace('#', ' #')} -> {new_name.replace('#', ' #')}: {verdict} "
              f"({len(widening)} widening, {len(narrowing)} narrowing, {len(changes) - len(widening) - len(narrowing)} other)")
        if changes:
            for line in table(changes):
                print("  " + line)
        else:
            print("  no changes in what is allowed")
    return FINDINGS if widening else exitcodes.OK


def run_export(args) -> int:
    from policies.errors import PolicyError
    from policies.zodiac import SCHEMA, export_roles

    policy = _compile(args.policy)
    safes = [s for s in policy.safes if args.safe is None or s.address.lower() == args.safe.lower()]
    if not safes:
        raise PolicyError(f"the policy has no [[safes]] entry for {args.safe}", str(args.policy),
                          f"its Safes: {', '.join(s.address for s in policy.safes)}")
    exports = [export_roles(policy, safe.chain, safe.address) for safe in safes]
    document = {"schema": SCHEMA, "policy": f"{policy.id}#{policy.serial}", "exports": [e.as_json() for e in exports]}
    text = json.dumps(document, indent=2) + "\n"
    if args.out is not None:
        try:
            args.out.write_text(text)
        except OSError as err:
            raise PolicyError(f"cannot write: {err.strerror}", str(args.out)) from None
    else:
        sys.stdout.write(text)
    for export in exports:
        print(f"Safe {export.safe} (chain {export.chain_id}): {len(export.permissions)} permission(s) from "
              f"{len({s['rule'] for s in export.sources})} allow rule(s); {len(export.not_enforceable)} rule(s) "
              "cannot be enforced on chain:", file=sys.stderr)
        for item in export.not_enforceable:
            print(f"  {item['where']}: {item['reason']}", file=sys.stderr)
    return exitcodes.OK
