"""Decrypt a standard Ethereum V3 keystore (Web3 Secret Storage) with pycryptodome.

Supported: kdf scrypt or pbkdf2 (hmac-sha256), cipher aes-128-ctr, MAC keccak256(dk[16:32] ||
ciphertext). KDF parameters are bounded so a hostile keystore cannot exhaust memory or time.
"""

import hmac
import json
from pathlib import Path

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import PBKDF2, scrypt

from decoders.hexutil import keccak

from .errors import PolicyError

MAX_SCRYPT_N = 1 << 20
MAX_PBKDF2_ROUNDS = 10_000_000


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
