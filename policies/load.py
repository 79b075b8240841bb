"""Loading a policy for use: read, check signatures (m-of-n), validity window, anti-rollback,
then compile. Every failure is a PolicyError and nothing is evaluated (fail closed)."""

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import PolicyError, PolicyValidityError
from .model import Policy
from .result import SignatureStatus
from .rollback import SerialStore
from .schema import MAX_POLICY_BYTES, compile_policy
from .signing import UNSIGNED_STATUS, TrustSet, check_signatures, signature_path


@dataclass
class LoadedPolicy:
    policy: Policy
    signature: SignatureStatus
    sha256: str
    path: Path | None
    data: bytes


def read_policy_bytes(path: Path) -> bytes:
    path = Path(path)
    try:
        if path.is_dir():
            raise PolicyError("is a directory, not a policy file", str(path))
        with path.open("rb") as handle:
            data = handle.read(MAX_POLICY_BYTES + 1)
    except FileNotFoundError:
        raise PolicyError("no such policy file", str(path)) from None
    except OSError as err:
        raise PolicyError(f"cannot read: {err.strerror}", str(path)) from None
    if len(data) > MAX_POLICY_BYTES:
        raise PolicyError(f"larger than {MAX_POLICY_BYTES:,} bytes; refused unread", str(path),
                          "a policy is meant to be read by people; split it per Safe")
    return data


def parse_policy_bytes(data: bytes, name: str = "policy") -> Policy:
    return compile_policy(data, name)


def check_validity(policy: Policy, now: dt.datetime, where: str) -> None:
    if policy.not_before is not None and now < policy.not_before:
        raise PolicyValidityError(f"policy {policy.id} is not valid before {policy.not_before:%Y-%m-%d %H:%M} UTC",
                                  where, "check this machine's clock, or wait for the policy to take effect")
    if policy.expires is not None and now >= policy.expires:
        raise PolicyValidityError(f"policy {policy.id} expired at {policy.expires:%Y-%m-%d %H:%M} UTC", where,
                                  "ask the security team for the current policy")


def load_policy(path: Path, *, trust: TrustSet | None, allow_unsigned: bool = False, store: SerialStore | None = None,
                now: dt.datetime | None = None) -> LoadedPolicy:
    """A policy ready to evaluate. Signed unless `allow_unsigned` (then marked UNSIGNED POLICY);
    `store` enables the anti-rollback check and records the serial of a signed policy."""
    path = Path(path)
    data = read_policy_bytes(path)
    if allow_unsigned:
        status = UNSIGNED_STATUS
    else:
        if trust is None:
            raise PolicyError("no trust file to check signatures against", str(path), "pass --trust trust.toml")
        status = check_signatures(data, signature_path(path), trust)
    policy = compile_policy(data, str(path))
    check_validity(policy, now or dt.datetime.now(dt.timezone.utc), f"{path}: meta")
    sha256 = hashlib.sha256(data).hexdigest()
    if store is not None and status.signed:
        store.check(policy.id, policy.serial, sha256, f"{path}: meta.serial")
        store.record(policy.id, policy.serial, sha256)
    return LoadedPolicy(policy, status, sha256, path, data)


def loaded_from_bytes(data: bytes, name: str = "policy", status: SignatureStatus = UNSIGNED_STATUS) -> LoadedPolicy:
    """For tests and tools: compile bytes with a given signature status (no checks)."""
    return LoadedPolicy(compile_policy(data, name), status, hashlib.sha256(data).hexdigest(), None, data)
