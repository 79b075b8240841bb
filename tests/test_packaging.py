"""Packaging truth: what `pip install -e '.[online]'` installs (pyproject.toml) and what the
hash-pinned locks install (requirements/*.lock) are the same set of packages.

The expected side is always the requirements files, which the release is built from; pyproject.toml
must follow them. Drift in either direction fails here, not on a stranger's machine.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def read_in(name: str) -> dict[str, Requirement]:
    """Top-level requirements of a `.in` file, following `-r` includes (not `-c` constraints)."""
    found: dict[str, Requirement] = {}
    for raw in (REQUIREMENTS / name).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-c"):
            continue
        if line.startswith("-r"):
            found.update(read_in(line[2:].strip()))
            continue
        requirement = Requirement(line)
        found[canonicalize_name(requirement.name)] = requirement
    return found


LOCK_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^ \\;]+)")
HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})")


def read_lock(name: str) -> dict[str, tuple[Version, frozenset[str]]]:
    """name -> (pinned version, its hashes); every entry must be pinned and hashed."""
    pins: dict[str, tuple[Version, frozenset[str]]] = {}
    current = None
    for line in (REQUIREMENTS / name).read_text().splitlines():
        match = LOCK_LINE.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (Version(match.group(3)), frozenset())
        elif current and "--hash=" in line:
            version, hashes = pins[current]
            pins[current] = (version, hashes | set(HASH.findall(line)))
    assert pins, f"{name}: no pinned packages found"
    unhashed = [package for package, (_, hashes) in pins.items() if not hashes]
    assert not unhashed, f"{name}: pinned without a hash: {unhashed}"
    return pins


def _by_name(specs: list[str]) -> dict[str, Requirement]:
    return {canonicalize_name(Requirement(spec).name): Requirement(spec) for spec in specs}


def _build_backend() -> set[str]:
    return set(_by_name(_pyproject()["build-system"]["requires"]))


def _assert_same(declared: dict[str, Requirement], expected: dict[str, Requirement], where: str) -> None:
    missing = sorted(set(expected) - set(declared))
    extra = sorted(set(declared) - set(expected))
    assert not missing, f"{where} lacks {missing}, which the requirements files install"
    assert not extra, f"{where} names {extra}, which the requirements files do not install"
    for name, requirement in expected.items():
        assert declared[name].extras == requirement.extras, f"{where}: {name} extras differ"
        pinned = {spec for spec in requirement.specifier if spec.operator in ("==", "===")}
        assert pinned <= set(declared[name].specifier), (
            f"{where}: {name} must carry the requirements file's pin {requirement.specifier}, "
            f"has {declared[name].specifier or 'none'}")


def _assert_lock_satisfies(declared: dict[str, Requirement], lock: str) -> None:
    pins = read_lock(lock)
    for name, requirement in declared.items():
        assert name in pins, f"{lock} does not pin {name}"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"pyproject.toml's {requirement} excludes {version}, the version {lock} installs")


def test_runtime_dependencies_match_runtime_in():
    expected = {name: req for name, req in read_in("runtime.in").items() if name not in _build_backend()}
    declared = _by_name(_pyproject()["project"]["dependencies"])
    _assert_same(declared, expected, "pyproject.toml [project] dependencies")
    _assert_lock_satisfies(declared, "runtime.lock")


def test_online_extra_matches_online_in():
    runtime = read_in("runtime.in")
    expected = {name: req for name, req in read_in("online.in").items() if name not in runtime}
    declared = _by_name(_pyproject()["project"]["optional-dependencies"]["online"])
    _assert_same(declared, expected, "pyproject.toml's `online` extra")
    assert all(any(spec.operator == "==" for spec in req.specifier) for req in declared.values()), (
        "the courier's packages are pinned exactly in the `online` extra")
    _assert_lock_satisfies(declared, "online.lock")


@pytest.mark.parametrize("lock", ["online.lock", "build.lock", "build-windows.lock", "build-macos.lock"])
def test_locks_install_the_runtime_set_unchanged(lock):
    """The courier and the build get the very bytes a signing machine gets: same versions, same hashes."""
    runtime, other = read_lock("runtime.lock"), read_lock(lock)
    for name, (version, hashes) in runtime.items():
        assert name in other, f"{lock} lacks {name}, which runtime.lock installs"
        assert other[name][0] == version, f"{lock} pins {name} {other[name][0]}, runtime.lock {version}"
        assert other[name][1] == hashes, f"{lock}: the hashes of {name} differ from runtime.lock's"


@pytest.mark.parametrize("source,lock", [("runtime.in", "runtime.lock"), ("online.in", "online.lock"),
                                         ("build.in", "build.lock"), ("build.in", "build-windows.lock"),
                                         ("build.in", "build-macos.lock"), ("dev.in", "dev.lock")])
def test_every_lock_is_compiled_from_its_in_file(source, lock):
    pins = read_lock(lock)
    for name, requirement in read_in(source).items():
        assert name in pins, f"{lock} lacks {name} from {source}: recompile it (command in its header)"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (
            f"{lock} pins {name} {pins[name][0]}, outside {source}'s {requirement.specifier}")


def test_the_drift_check_sees_a_missing_dependency():
    """The check fails on the very drift that shipped (py-evm only in runtime.in)."""
    expected = read_in("runtime.in")
    declared = {name: req for name, req in expected.items() if name != "py-evm"}
    with pytest.raises(AssertionError, match="py-evm"):
        _assert_same(declared, expected, "pyproject.toml")
    loose = dict(expected, **{"py-evm": Requirement("py-evm>=0.12")})
    with pytest.raises(AssertionError, match="pin"):
        _assert_same(loose, expected, "pyproject.toml")
