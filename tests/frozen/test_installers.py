"""The Linux installers in dist/ (built by packaging/build.sh): checksums, layout, and a working app
after installing. Skipped when the installers have not been built."""

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from .runners import ROOT

pytestmark = pytest.mark.frozen

DIST = ROOT / "dist"
BYBIT = ROOT / "examples" / "bybit-attack.json"


def _one(pattern: str) -> Path:
    found = sorted(DIST.glob(pattern))
    if not found:
        pytest.skip(f"no {pattern} in dist/ (bash packaging/build.sh)")
    return found[0]


def test_sha256sums_match_the_artefacts() -> None:
    # Also checks coldsight.files.sha256 against the app itself, file by file.
    sums = DIST / "SHA256SUMS"
    if not sums.exists():
        pytest.skip("dist/SHA256SUMS not built")
    listed = {}
    for line in sums.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.lstrip("*")] = digest
    assert "coldsight.files.sha256" in listed  # always: the per-file list of the app
    for artefact in list(DIST.glob("*.deb")) + list(DIST.glob("*.tar.gz")):
        assert artefact.name in listed, f"{artefact.name} missing from SHA256SUMS"
    for name, digest in listed.items():
        assert hashlib.sha256((DIST / name).read_bytes()).hexdigest() == digest, name
    for line in (DIST / "coldsight.files.sha256").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((DIST / "coldsight" / name).read_bytes()).hexdigest() == digest, name


def test_deb_layout_and_extracted_app_runs(tmp_path: Path) -> None:
    deb = _one("coldsight_*_amd64.deb")
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb not available")
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "./usr/bin/coldsight -> /opt/coldsight/coldsight" in listing
    assert "./usr/share/applications/coldsight.desktop" in listing
    assert " root/root " in listing.splitlines()[0]
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp_path)], check=True)
    result = subprocess.run([str(tmp_path / "opt/coldsight/coldsight"), "verify", str(BYBIT)], capture_output=True)
    assert result.returncode == 2, result.stderr


def test_tarball_install_script_installs_and_uninstalls(tmp_path: Path) -> None:
    tarball = _one("coldsight-*-linux-x86_64.tar.gz")
    with tarfile.open(tarball) as archive:
        assert all(member.uid == 0 and member.gid == 0 for member in archive.getmembers())
        archive.extractall(tmp_path, filter="tar")
    (tree,) = tmp_path.iterdir()
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "share")}
    subprocess.run(["sh", str(tree / "install.sh"), "--user"], env=env, check=True, capture_output=True)
    launcher = home / ".local" / "bin" / "coldsight"
    desktop = home / "share" / "applications" / "coldsight.desktop"
    assert "Exec=" in desktop.read_text()
    assert subprocess.run([str(launcher), "verify", str(BYBIT)], capture_output=True).returncode == 2
    subprocess.run(["sh", str(tree / "install.sh"), "--user", "--uninstall"], env=env, check=True, capture_output=True)
    assert not launcher.exists() and not desktop.exists()


def test_install_script_refuses_a_tampered_tree(tmp_path: Path) -> None:
    tarball = _one("coldsight-*-linux-x86_64.tar.gz")
    with tarfile.open(tarball) as archive:
        archive.extractall(tmp_path, filter="tar")
    (tree,) = tmp_path.iterdir()
    victim = next((tree / "coldsight" / "_internal" / "decoders" / "data").rglob("*.json"))
    victim.write_text(victim.read_text() + " ")
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    result = subprocess.run(["sh", str(tree / "install.sh"), "--user"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "do not match" in result.stderr
    assert not (tmp_path / "home" / ".local" / "bin" / "coldsight").exists()


def test_buildinfo_names_the_commit_and_measures_the_bundle(frozen_runner) -> None:
    """What verify_release.sh rebuilds from, and the release bar's size figure, are in the signed sums."""
    if not sys.platform.startswith("linux"):
        pytest.skip("BUILDINFO is written by packaging/build.sh (Linux)")
    info = dict(line.split("=", 1) for line in (DIST / "BUILDINFO").read_text().splitlines())
    listed = {line.split(maxsplit=1)[1] for line in (DIST / "SHA256SUMS").read_text().splitlines()}
    assert "BUILDINFO" in listed
    assert len(info["commit"]) == 40 and int(info["source_date_epoch"]) > 0
    app = DIST / "coldsight"
    measured = sum(os.lstat(os.path.join(folder, name)).st_size for folder, _, names in os.walk(app) for name in names
                   if not os.path.islink(os.path.join(folder, name)))  # find -type f: no links, none followed
    assert int(info["bundle_bytes"]) == measured
    assert int(info["bundle_budget_mb"]) > 0
