"""Create and decrypt standard Ethereum V3 keystores (Web3 Secret Storage) with pycryptodome.

Supported: kdf scrypt or pbkdf2 (hmac-sha256), cipher aes-128-ctr, MAC keccak256(dk[16:32] ||
ciphertext). KDF parameters are bounded so a hostile keystore cannot exhaust memory or time.
"""

import hmac
import json
import os
import secrets
import uuid
from pathlib import Path

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import PBKDF2 as _PBKDF2, scrypt as _scrypt

from decoders.hexutil import keccak

from .errors import PolicyError

MAX_SCRYPT_N = 1 << 20
MAX_PBKDF2_ROUNDS = 10_000_000
# What `policy keygen` writes: the parameters geth and eth-account use by default (scrypt n = 2^18
# takes ~1 s and 256 MB, which is the point), pbkdf2 with 2^18 rounds of hmac-sha256.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 18, 8, 1
PBKDF2_ROUNDS = 1 << 18
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


# pycryptodome's stubs type the password and salt as `str` (the KDFs take bytes too, and bytes is what a
# keystore holds) and scrypt's result as `bytes | tuple[bytes, ...]` (a tuple only when num_keys > 1).
def scrypt(secret: bytes, salt: bytes, dklen: int, N: int, r: int, p: int) -> bytes:
    derived = _scrypt(secret, salt, dklen, N=N, r=r, p=p)  # type: ignore[arg-type]  # bytes accepted, see above
    assert isinstance(derived, bytes)  # one key asked for
    return derived


def PBKDF2(secret: bytes, salt: bytes, dklen: int, count: int, hmac_hash_module) -> bytes:
    return _PBKDF2(secret, salt, dklen, count=count, hmac_hash_module=hmac_hash_module)  # type: ignore[arg-type]  # see above


def new_private_key() -> bytes:
    """32 random bytes from the OS that form a valid secp256k1 key (1 <= k < n)."""
    while True:
        key = secrets.token_bytes(32)
        if 0 < int.from_bytes(key, "big") < SECP256K1_N:
            return key


def encrypt_keystore(private_key: bytes, password: str, address: str, kdf: str = "scrypt",
                     scrypt_n: int = SCRYPT_N, pbkdf2_rounds: int = PBKDF2_ROUNDS) -> dict:
    """The V3 keystore document for `private_key` (aes-128-ctr, MAC = keccak256(dk[16:32] || ciphertext))."""
    salt, iv = secrets.token_bytes(32), secrets.token_bytes(16)
    secret = password.encode("utf-8")
    if kdf == "scrypt":
        derived = scrypt(secret, salt, 32, N=scrypt_n, r=SCRYPT_R, p=SCRYPT_P)
        params: dict = {"dklen": 32, "n": scrypt_n, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt.hex()}
    elif kdf == "pbkdf2":
        derived = PBKDF2(secret, salt, 32, count=pbkdf2_rounds, hmac_hash_module=SHA256)
        params = {"dklen": 32, "c": pbkdf2_rounds, "prf": "hmac-sha256", "salt": salt.hex()}
    else:
        raise ValueError(f"unsupported kdf {kdf!r}")  # the CLI offers only the two
    ciphertext = AES.new(derived[:16], AES.MODE_CTR, nonce=b"", initial_value=iv).encrypt(private_key)
    return {
        "address": address.lower().removeprefix("0x"),
        "crypto": {"cipher": "aes-128-ctr", "cipherparams": {"iv": iv.hex()}, "ciphertext": ciphertext.hex(),
                   "kdf": kdf, "kdfparams": params, "mac": keccak(derived[16:32] + ciphertext).hex()},
        "id": str(uuid.uuid4()),
        "version": 3,
    }


def write_new_keystore(path: Path, document: dict) -> None:
    """Create `path` readable by its owner only; never overwrite (an existing key would be lost)."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise PolicyError("refusing to overwrite an existing file", str(path), "choose a new --out path") from None
    except OSError as err:
        raise PolicyError(f"cannot create keystore: {err.strerror}", str(path)) from None
    with os.fdopen(handle, "w") as out:
        json.dump(document, out, indent=2)
        out.write("\n")


def _hex(value: object, where: str) -> bytes:
    if not isinstance(value, str):
        raise PolicyError("expected a hex string", where)
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        raise PolicyError("not hex", where) from None


def _int(params: dict, key: str, where: str, low: int, high: int) -> int:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PolicyError(f"kdfparams.{key} must be an integer in {low}..{high}", where)
    return value


def decrypt_keystore(path: Path, password: str) -> bytes:
    """The 32-byte private key, or PolicyError (wrong password, unsupported or damaged file)."""
    where = str(path)
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise PolicyError(f"cannot read keystore: {err}", where) from None
    if not isinstance(document, dict) or document.get("version") != 3:
        raise PolicyError("not a version 3 Ethereum keystore", where)
    crypto = document.get("crypto") or document.get("Crypto")
    if not isinstance(crypto, dict):
        raise PolicyError("keystore has no crypto section", where)
    if crypto.get("cipher") != "aes-128-ctr":
        raise PolicyError(f"unsupported cipher {crypto.get('cipher')!r}", where, "only aes-128-ctr keystores are supported")
    params = crypto.get("kdfparams")
    if not isinstance(params, dict):
        raise PolicyError("keystore has no kdfparams", where)
    salt = _hex(params.get("salt"), where + ": kdfparams.salt")
    secret = password.encode("utf-8")
    dklen = _int(params, "dklen", where, 32, 64)
    if crypto.get("kdf") == "scrypt":
        n = _int(params, "n", where, 2, MAX_SCRYPT_N)
        if n & (n - 1):
            raise PolicyError("kdfparams.n must be a power of two", where)
        derived = scrypt(secret, salt, dklen, N=n, r=_int(params, "r", where, 1, 16), p=_int(params, "p", where, 1, 16))
    elif crypto.get("kdf") == "pbkdf2":
        if params.get("prf") != "hmac-sha256":
            raise PolicyError("only pbkdf2 with hmac-sha256 is supported", where)
        derived = PBKDF2(secret, salt, dklen, count=_int(params, "c", where, 1, MAX_PBKDF2_ROUNDS), hmac_hash_module=SHA256)
    else:
        raise PolicyError(f"unsupported kdf {crypto.get('kdf')!r}", where, "keystores use scrypt or pbkdf2")
    ciphertext = _hex(crypto.get("ciphertext"), where + ": ciphertext")
    mac = _hex(crypto.get("mac"), where + ": mac")
    if not hmac.compare_digest(keccak(derived[16:32] + ciphertext), mac):
        raise PolicyError("wrong password (the keystore MAC does not match)", where)
    iv = _hex((crypto.get("cipherparams") or {}).get("iv"), where + ": cipherparams.iv")
    if len(iv) != 16:
        raise PolicyError("cipherparams.iv must be 16 bytes", where)
    key = AES.new(derived[:16], AES.MODE_CTR, nonce=b"", initial_value=iv).decrypt(ciphertext)
    if len(key) != 32:
        raise PolicyError(f"decrypted key is {len(key)} bytes, expected 32", where)
    return key
