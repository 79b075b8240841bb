"""Anti-rollback: the highest policy serial this machine has seen, per policy id.

Loading a signed policy whose serial is lower than the one recorded (or equal, with other
bytes) fails closed: an attacker cannot replay an older, looser policy that was once signed.
Kept as a small JSON file in a per-user state dir: $COLDSIGHT_STATE_DIR, else
~/.local/state/coldsight.
"""

import json
import os
from pathlib import Path

from .errors import PolicyError, PolicyRollbackError

STORE_NAME = "policy-serials.json"
STORE_SCHEMA = "coldsight.policy-serials/1"


def default_state_dir() -> Path:
    override = os.environ.get("COLDSIGHT_STATE_DIR")
    return Path(override) if override else Path.home() / ".local" / "state" / "coldsight"


class SerialStore:
    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def default(cls) -> "SerialStore":
        return cls(default_state_dir() / STORE_NAME)

    def _read(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        try:
            document = json.loads(self.path.read_text())
            if document.get("schema") != STORE_SCHEMA or not isinstance(document.get("policies"), dict):
                raise ValueError("unexpected structure")
            return document["policies"]
        except (OSError, ValueError, AttributeError) as err:
            raise PolicyError(f"the record of seen policy serials is damaged ({err})", str(self.path),
                              "restore it from backup; deleting it re-opens the door to rollbacks") from None

    def check(self, policy_id: str, serial: int, sha256: str, where: str) -> None:
        seen = self._read().get(policy_id)
        if not isinstance(seen, dict):
            return
        last = seen.get("serial", 0)
        if serial < last:
            raise PolicyRollbackError(
                f"policy {policy_id} serial {serial} is older than serial {last} already seen on this machine",
                where, "someone may be replaying an older policy; ask the security team for the current one")
        if serial == last and seen.get("sha256") != sha256:
            raise PolicyRollbackError(
                f"policy {policy_id} serial {serial} was seen before with different contents", where,
                "every change to a policy must raise meta.serial")

    def record(self, policy_id: str, serial: int, sha256: str) -> None:
        policies = self._read()
        if policies.get(policy_id, {}).get("serial", 0) >= serial:
            return
        policies[policy_id] = {"serial": serial, "sha256": sha256}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps({"schema": STORE_SCHEMA, "policies": policies}, indent=2, sort_keys=True))
        os.replace(temporary, self.path)
