"""Bundled offline knowledge: Safe deployments and human-readable ABI signature tables.

Each file names where its facts come from in a top-level "source" field. This module only
loads the files; parsing the signature strings is decoders.abi's job.
"""

import json
from functools import cache
from importlib import resources
from typing import Any

from ..errors import ColdsightError

ABI_DIR = "abis"


def load_json(relative_path: str) -> Any:
    """Read one bundled JSON file (path relative to this package)."""
    where = f"decoders/data/{relative_path}"
    try:
        text = resources.files(__package__).joinpath(relative_path).read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, ValueError) as exc:
        raise ColdsightError(f"bundled data file is missing or corrupt: {exc}", where,
                             "reinstall Coldsight; the installation is damaged") from None


def abi_families() -> tuple[str, ...]:
    """Names of the bundled signature families (file names without .json), sorted."""
    folder = resources.files(__package__).joinpath(ABI_DIR)
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


@cache
def abi_family(name: str) -> tuple[str, tuple[str, ...]]:
    """(source, function signatures) of one family, e.g. abi_family("erc20")."""
    data = load_json(f"{ABI_DIR}/{name}.json")
    where = f"decoders/data/{ABI_DIR}/{name}.json"
    if not isinstance(data, dict) or not isinstance(data.get("source"), str) \
            or not isinstance(data.get("functions"), list) \
            or not all(isinstance(f, str) for f in data["functions"]):
        raise ColdsightError('expected {"source": str, "functions": [str, ...]}', where)
    return data["source"], tuple(data["functions"])
