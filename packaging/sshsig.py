#!/usr/bin/env python3
"""Verify an OpenSSH signature (`ssh-keygen -Y sign`, SSHSIG format) over a release's SHA256SUMS.

    python3 packaging/sshsig.py verify --signers packaging/release_signers \
        --namespace coldsight-release --signature SHA256SUMS.sig SHA256SUMS

The small, pinned verifier of the release: Python's standard library only (hashlib, base64), about
two hundred lines a stranger can read, Ed25519 keys only. It checks what `ssh-keygen -Y verify`
checks (tests/packaging/test_release_signature.py holds the two to the same answers):
the key is listed in the signers file for this namespace, the signature blob is well formed, and
the Ed25519 signature (RFC 8032) over the SSHSIG envelope of the file's hash is valid.
Format: https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.sshsig

Exit status: 0 good signature by a listed key; 1 bad or unlisted; 64 usage / unreadable input.
"""

import argparse
import base64
import hashlib
import sys
from pathlib import Path

MAGIC = b"SSHSIG"
ARMOR_BEGIN, ARMOR_END = "-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----"
KEY_TYPE = b"ssh-ed25519"
MAX_SIGNED_BYTES = 64 * 1024 * 1024  # a SHA256SUMS is kilobytes; anything huge is not ours


class SignatureError(Exception):
    """The signature is malformed, by an unlisted key, or does not verify."""


# ---- Ed25519 verification (RFC 8032, section 5.1.7), extended coordinates ------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _point_add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    e1, e2 = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    e3, e4 = 2 * t1 * t2 * D % P, 2 * z1 * z2 % P
    e, f, g, h = e2 - e1, e4 - e3, e4 + e3, e2 + e1
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _scalar_mult(scalar: int, point):
    result = (0, 1, 1, 0)  # the neutral element
    while scalar:
        if scalar & 1:
            result = _point_add(result, point)
        point = _point_add(point, point)
        scalar >>= 1
    return result


def _same_point(a, b) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def _decompress(encoded: bytes):
    if len(encoded) != 32:
        raise SignatureError("an Ed25519 point is 32 bytes")
    y = int.from_bytes(encoded, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= P:
        raise SignatureError("Ed25519 point out of range")
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        raise SignatureError("not a point on Ed25519")
    if x == 0 and sign:
        raise SignatureError("non-canonical Ed25519 point")
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


BASE = _decompress((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(signature) != 64:
        return False
    try:
        point_a, point_r = _decompress(public), _decompress(signature[:32])
    except SignatureError:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:  # malleability: RFC 8032 requires the canonical S
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _same_point(_scalar_mult(s, BASE), _point_add(point_r, _scalar_mult(k, point_a)))


# ---- SSH wire format -------------------------------------------------------------------------

class _Reader:
    def __init__(self, data: bytes, what: str):
        self.data, self.at, self.what = data, 0, what

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise SignatureError(f"{self.what} is truncated")
        chunk = self.data[self.at:self.at + count]
        self.at += count
        return chunk

    def uint32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def string(self) -> bytes:
        return self.take(self.uint32())

    def end(self) -> None:
        if self.at != len(self.data):
            raise SignatureError(f"{self.what} has trailing bytes")


def _string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _ed25519_key(blob: bytes, what: str) -> bytes:
    reader = _Reader(blob, what)
    if reader.string() != KEY_TYPE:
        raise SignatureError(f"{what}: only {KEY_TYPE.decode()} keys are accepted")
    key = reader.string()
    reader.end()
    if len(key) != 32:
        raise SignatureError(f"{what}: an Ed25519 key is 32 bytes")
    return key


def parse_armored(text: str) -> dict:
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 3 or lines[0] != ARMOR_BEGIN or lines[-1] != ARMOR_END:
        raise SignatureError("not an armored SSH signature (-----BEGIN SSH SIGNATURE-----)")
    try:
        blob = base64.b64decode("".join(lines[1:-1]), validate=True)
    except ValueError:
        raise SignatureError("the signature's base64 is invalid") from None
    reader = _Reader(blob, "the signature")
    if reader.take(6) != MAGIC or reader.uint32() != 1:
        raise SignatureError("not an SSHSIG version 1 signature")
    public_blob, namespace, reserved, hash_name, signature_blob = (reader.string() for _ in range(5))
    reader.end()
    inner = _Reader(signature_blob, "the signature value")
    if inner.string() != KEY_TYPE:
        raise SignatureError(f"only {KEY_TYPE.decode()} signatures are accepted")
    value = inner.string()
    inner.end()
    return {"public": _ed25519_key(public_blob, "the signature's key"), "namespace": namespace,
            "reserved": reserved, "hash": hash_name, "value": value}


def read_signers(text: str, namespace: str) -> dict[bytes, str]:
    """allowed_signers lines `principals [namespaces="a,b"] ssh-ed25519 BASE64 [comment]`: the keys
    allowed to sign in this namespace, each with its principals."""
    keys: dict[bytes, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        where = f"signers file line {number}"
        if len(fields) < 3:
            raise SignatureError(f"{where}: expected `principals [options] ssh-ed25519 KEY`")
        principals, rest = fields[0], fields[1:]
        options = ""
        if rest[0] != KEY_TYPE.decode():
            options, rest = rest[0], rest[1:]
        if len(rest) < 2 or rest[0] != KEY_TYPE.decode():
            raise SignatureError(f"{where}: only {KEY_TYPE.decode()} keys are accepted")
        allowed = None
        if options:
            if not (options.startswith('namespaces="') and options.endswith('"') and options.count('"') == 2):
                raise SignatureError(f"{where}: option {options!r} is not understood (only namespaces=\"…\")")
            allowed = options[len('namespaces="'):-1].split(",")
        if allowed is not None and namespace not in allowed:
            continue
        try:
            blob = base64.b64decode(rest[1], validate=True)
        except ValueError:
            raise SignatureError(f"{where}: the key's base64 is invalid") from None
        keys[_ed25519_key(blob, where)] = principals
    return keys


def verify(message: bytes, armored: str, signers: str, namespace: str) -> str:
    """The principals of the listed key that made this signature; SignatureError otherwise."""
    signature = parse_armored(armored)
    if signature["namespace"] != namespace.encode():
        raise SignatureError(f"signed for namespace {signature['namespace']!r}, expected {namespace!r}")
    hashes = {b"sha512": hashlib.sha512, b"sha256": hashlib.sha256}
    if signature["hash"] not in hashes:
        raise SignatureError(f"hash algorithm {signature['hash']!r} is not sha512 or sha256")
    allowed = read_signers(signers, namespace)
    if not allowed:
        raise SignatureError(f"the signers file lists no ssh-ed25519 key for namespace {namespace!r}")
    if signature["public"] not in allowed:
        raise SignatureError("signed by a key that is not in the signers file")
    envelope = (MAGIC + _string(signature["namespace"]) + _string(signature["reserved"])
                + _string(signature["hash"]) + _string(hashes[signature["hash"]](message).digest()))
    if not ed25519_verify(signature["public"], envelope, signature["value"]):
        raise SignatureError("the signature does not match the file (changed file or forged signature)")
    return allowed[signature["public"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sshsig.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("verify", help="verify FILE against its SSHSIG signature")
    check.add_argument("file", type=Path)
    check.add_argument("--signature", type=Path, help="default: FILE.sig")
    check.add_argument("--signers", type=Path, required=True, help="allowed_signers file (packaging/release_signers)")
    check.add_argument("--namespace", default="coldsight-release")
    args = parser.parse_args(argv)
    signature_path = args.signature or args.file.with_name(args.file.name + ".sig")
    try:
        if args.file.stat().st_size > MAX_SIGNED_BYTES:
            print(f"sshsig.py: {args.file} is larger than {MAX_SIGNED_BYTES} bytes", file=sys.stderr)
            return 64
        message = args.file.read_bytes()
        armored = signature_path.read_text(encoding="ascii")
        signers = args.signers.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        print(f"sshsig.py: cannot read input: {err}", file=sys.stderr)
        return 64
    try:
        principals = verify(message, armored, signers, args.namespace)
    except SignatureError as err:
        print(f"sshsig.py: BAD signature on {args.file} ({signature_path}): {err}", file=sys.stderr)
        return 1
    print(f"sshsig.py: good signature on {args.file} by {principals} (namespace {args.namespace})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
