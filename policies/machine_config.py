"""The signing machine's own settings: make a signed policy mandatory, pin the trust file.

    # /etc/coldsight/config.toml (or the file $COLDSIGHT_CONFIG names)
    schema = "coldsight.config/1"
    require_policy = true                   # refuse to verify without a signed policy
    trust = "/etc/coldsight/trust.toml"     # the only trust file; --trust naming another is refused
    policy = "/etc/coldsight/treasury.toml" # optional: used when --policy is not given

With `require_policy`, a review without a policy, `--unsigned-policy`, another `--trust`, or a
pinned trust set that only the public example keys can satisfy are all refused (exit 3). The
file is read on every review, so it is owned by root on a sealed machine. A `$COLDSIGHT_CONFIG`
naming a file that does not exist is an error: the machine asked for settings it does not have.
Relative paths are read from the config file's folder.
"""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import PolicyError

SCHEMA = "coldsight.config/1"
SYSTEM_CONFIG = Path("/etc/coldsight/config.toml")
MAX_CONFIG_BYTES = 64 * 1024


@dataclass(frozen=True)
class MachineConfig:
    source: str
    require_policy: bool = False
    trust: Path | None = None
    policy: Path | None = None

    def resolve(self, policy: Path | None, unsigned: bool, trust: Path | None) -> tuple[Path | None, Path | None]:
        """(policy, trust) a review must use on this machine, or PolicyError saying which setting refuses it."""
        if self.trust is not None:
            if trust is not None and Path(trust).resolve() != self.trust.resolve():
                raise PolicyError(f"--trust {trust} is not the trust file this machine pins ({self.trust})",
                                  f"{self.source}: trust", "leave --trust out; the machine's trust file applies")
            trust = self.trust
        if not self.require_policy:
            return policy, trust
        if policy is None:
            policy = self.policy
        if policy is None:
            raise PolicyError("this machine requires a signed policy for every review", f"{self.source}: require_policy",
                              "pass --policy POLICY (signed by the trust set this machine pins)")
        if unsigned:
            raise PolicyError("this machine requires a signed policy; --unsigned-policy is refused",
                              f"{self.source}: require_policy", "sign the policy with `coldsight policy sign`")
        if trust is None:
            raise PolicyError("require_policy needs a pinned trust file", f"{self.source}: trust",
                              "set trust = \"/etc/coldsight/trust.toml\" holding your security team's signers")
        return policy, trust


    def check_trust(self, example_only: bool) -> None:
        """A machine that requires a policy must not trust a set only the public example keys satisfy."""
        if self.require_policy and example_only:
            raise PolicyError("the pinned trust set is the public example signers: anyone could sign a policy",
                              f"{self.source}: trust", "pin a trust file listing your security team's signers")


def config_path() -> Path | None:
    """$COLDSIGHT_CONFIG, else /etc/coldsight/config.toml when it exists, else None."""
    override = os.environ.get("COLDSIGHT_CONFIG")
    if override:
        return Path(override)
    return SYSTEM_CONFIG if SYSTEM_CONFIG.exists() else None


def load_machine_config(path: Path | None = None) -> MachineConfig | None:
    path = path if path is not None else config_path()
    if path is None:
        return None
    where = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise PolicyError("machine config not found", where,
                          "COLDSIGHT_CONFIG names a file that does not exist; fix or unset it") from None
    except OSError as err:
        raise PolicyError(f"cannot read machine config: {err.strerror}", where) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise PolicyError(f"machine config is larger than {MAX_CONFIG_BYTES} bytes", where)
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise PolicyError(f"machine config is not valid TOML: {err}", where) from None
    unknown = sorted(set(document) - {"schema", "require_policy", "trust", "policy"})
    if unknown:
        raise PolicyError(f"unknown key {unknown[0]!r}", f"{where}: {unknown[0]}",
                          "keys: schema, require_policy, trust, policy")
    if document.get("schema") != SCHEMA:
        raise PolicyError(f'expected schema = "{SCHEMA}"', f"{where}: schema")
    require = document.get("require_policy", False)
    if not isinstance(require, bool):
        raise PolicyError("require_policy is true or false", f"{where}: require_policy")
    paths = {}
    for key in ("trust", "policy"):
        value = document.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise PolicyError(f"{key} is a file path string", f"{where}: {key}")
        paths[key] = (Path(path).parent / value) if value else None
    return MachineConfig(where, require, paths["trust"], paths["policy"])
