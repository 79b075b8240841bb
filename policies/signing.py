"""Policy integrity: EIP-191 signatures over the exact policy file bytes, checked against a
pinned set of security-team signers (trust.toml) and an m-of-n threshold.

POLICY.sig (TOML, written by `coldsight policy sign`):

    schema = "coldsight.policy-signatures/1"
    [[signatures]]
    signer = "0x…"        # who claims to have signed; must be what the signature recovers to
    signature = "0x…"     # 65 bytes r || s || v (v = 27 or 28), personal_sign over the file bytes
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from eth_keys import keys
from eth_keys.exceptions import BadSignature, ValidationError

from decoders.errors import ColdsightError
from decoders.hexutil import keccak, parse_address, parse_hex, short_address

from .errors import PolicyError, PolicySignatureError
# Recognized by key wherever they appear (a copied trust file included): a policy they alone sign
# can never clear a transaction.
from .example_keys import EXAMPLE_SIGNERS
from .result import SignatureStatus

SIG_SCHEMA = "coldsight.policy-signatures/1"
TRUST_SCHEMA = "coldsight.trust/1"
DEFAULT_TRUST_FILE = Path(__file__).parent / "trust.toml"
MAX_SIDE_FILE_BYTES = 256 * 1024
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def personal_message_hash(data: bytes) -> bytes:
    """EIP-191 version 0x45 ("Ethereum Signed Message"), as wallets' personal_sign computes it."""
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(data)).encode() + data)


def sign_bytes(private_key: bytes, data: bytes) -> bytes:
    signature = keys.PrivateKey(private_key).sign_msg_hash(personal_message_hash(data))
    return signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big") + bytes([signature.v + 27])


def recover_signer(data: bytes, signature: bytes, where: str) -> str:
    if len(signature) != 65:
        raise PolicySignatureError(f"a signature is 65 bytes, this one is {len(signature)}", where)
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    if v not in (27, 28):
        raise PolicySignatureError(f"signature v must be 27 or 28, got {v}", where)
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_N // 2):
        raise PolicySignatureError("signature r/s out of range (high-s signatures are refused)", where)
    try:
        public = keys.Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(personal_message_hash(data))
    except (BadSignature, ValidationError) as err:
        raise PolicySignatureError(f"signature does not recover a key: {err}", where) from None
    return public.to_checksum_address()


def _read_toml(path: Path, what: str) -> dict:
    try:
        if path.stat().st_size > MAX_SIDE_FILE_BYTES:
            raise PolicyError(f"{what} is larger than {MAX_SIDE_FILE_BYTES} bytes", str(path))
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise PolicySignatureError(f"{what} not found", str(path)) from None
    except OSError as err:
        raise PolicyError(f"cannot read {what}: {err.strerror}", str(path)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise PolicyError(f"{what} is not valid TOML: {err}", str(path)) from None


# ---- trust ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrustSet:
    threshold: int
    signers: dict[str, str]  # checksummed address -> name
    source: str


def load_trust(path: Path) -> TrustSet:
    document = _read_toml(Path(path), "trust file")
    where = str(path)
    unknown = sorted(set(document) - {"schema", "threshold", "signers"})
    if unknown:
        raise PolicyError(f"unknown key {unknown[0]!r}", f"{where}: {unknown[0]}", "keys: schema, threshold, signers")
    if document.get("schema") != TRUST_SCHEMA:
        raise PolicyError(f"expected schema = \"{TRUST_SCHEMA}\"", f"{where}: schema")
    signers_raw = document.get("signers")
    if not isinstance(signers_raw, list) or not signers_raw:
        raise PolicyError("list the trusted signers as [[signers]] tables with name and address", f"{where}: signers")
    signers: dict[str, str] = {}
    for i, item in enumerate(signers_raw):
        at = f"{where}: signers[{i}]"
        if not isinstance(item, dict) or set(item) - {"name", "address"} or "address" not in item:
            raise PolicyError("each signer is a table with address and name", at)
        try:
            address = parse_address(item["address"], at + ".address")
        except ColdsightError as err:
            raise PolicyError(err.message, at + ".address", err.hint) from None
        if address in signers:
            raise PolicyError(f"signer {address} is listed twice", at)
        name = item.get("name", short_address(address))
        if not isinstance(name, str):
            raise PolicyError("name must be a string", at + ".name")
        signers[address] = name
    threshold = document.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= len(signers):
        raise PolicyError(f"threshold must be an integer from 1 to {len(signers)}", f"{where}: threshold")
    return TrustSet(threshold, signers, where)


# ---- signature files --------------------------------------------------------------------------

def signature_path(policy_path: Path) -> Path:
    return policy_path.with_name(policy_path.name + ".sig")


def read_signatures(sig_path: Path) -> list[tuple[str, bytes, str]]:
    """(claimed signer, signature bytes, where) for every entry of a .sig file."""
    document = _read_toml(sig_path, "signature file")
    where = str(sig_path)
    if document.get("schema") != SIG_SCHEMA or set(document) - {"schema", "signatures"}:
        raise PolicySignatureError(f"not a Coldsight policy signature file (expected schema = \"{SIG_SCHEMA}\")", where)
    entries = document.get("signatures", [])
    if not isinstance(entries, list):
        raise PolicySignatureError("signatures must be [[signatures]] tables", where)
    found = []
    for i, item in enumerate(entries):
        at = f"{where}: signatures[{i}]"
        if not isinstance(item, dict) or set(item) != {"signer", "signature"}:
            raise PolicySignatureError("each entry has exactly signer and signature", at)
        try:
            signer = parse_address(item["signer"], at + ".signer")
            raw = parse_hex(item["signature"], at + ".signature")
        except ColdsightError as err:
            raise PolicySignatureError(err.message, err.where) from None
        found.append((signer, raw, at))
    return found


def write_signature(sig_path: Path, signer: str, signature: bytes) -> None:
    """Add (or replace) `signer`'s entry, keeping the others: each team member signs in turn."""
    entries = [(s, raw) for s, raw, _ in read_signatures(sig_path)] if sig_path.exists() else []
    entries = [(s, raw) for s, raw in entries if s != signer] + [(signer, signature)]
    lines = [f'schema = "{SIG_SCHEMA}"', ""]
    for who, raw in entries:
        lines += ["[[signatures]]", f'signer = "{who}"', f'signature = "0x{raw.hex()}"', ""]
    sig_path.write_text("\n".join(lines))


def check_signatures(data: bytes, sig_path: Path, trust: TrustSet) -> SignatureStatus:
    """Fails closed unless at least `threshold` distinct trusted signers signed these exact bytes."""
    if not sig_path.exists():
        raise PolicySignatureError("the policy is not signed: no signature file", str(sig_path),
                                   "sign it with `coldsight policy sign`, or pass --unsigned-policy for a draft")
    good: list[str] = []
    for claimed, raw, at in read_signatures(sig_path):
        recovered = recover_signer(data, raw, at)
        if recovered != claimed:
            raise PolicySignatureError(
                f"the signature of {claimed} does not match this policy file (it recovers to {recovered})", at,
                "the file changed after it was signed, or the signature belongs to another file")
        if claimed in trust.signers and claimed not in good:
            good.append(claimed)
    if len(good) < trust.threshold:
        names = ", ".join(trust.signers[a] for a in good) or "none"
        raise PolicySignatureError(
            f"{len(good)} of the required {trust.threshold} trusted signatures (valid trusted signers: {names})",
            str(sig_path), f"trusted signers are pinned in {trust.source}")
    who = ", ".join(f"{trust.signers[a]} ({short_address(a)})" for a in good)
    # Example keys are public: only the real signers' count decides whether the threshold is met.
    example = len([a for a in good if a not in EXAMPLE_SIGNERS]) < trust.threshold
    text = f"signed {len(good)}-of-{len(trust.signers)} by {who}" + (" (public example keys)" if example else "")
    return SignatureStatus(True, text, tuple(good), trust.threshold, len(trust.signers), example=example)


def is_example_trust(trust: TrustSet) -> bool:
    """The trust set cannot reach its threshold without the public example keys."""
    return len([a for a in trust.signers if a not in EXAMPLE_SIGNERS]) < trust.threshold


UNSIGNED_STATUS = SignatureStatus(False, "UNSIGNED POLICY")
