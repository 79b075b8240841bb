"""packaging/verify_release.sh and the release signature, end to end, in CI time.

The real build takes minutes, so these tests give verify_release.sh a small stand-in build
(COLDSIGHT_VERIFY_BUILD) that, like packaging/build.sh, turns the exported commit into files, a
BUILDINFO and a SHA256SUMS. Everything else is the real thing: the commit export, the signature
(made by OpenSSH's ssh-keygen with a throwaway key, checked by packaging/sshsig.py), the checksum
check and the file-by-file comparison with the rebuild.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERIFY = ROOT / "packaging" / "verify_release.sh"
SIGN = ROOT / "packaging" / "sign_release.sh"

# Stands in for packaging/build.sh: deterministic files from the exported tree, then the same
# BUILDINFO and SHA256SUMS layout build.sh writes. Runs in the export's root, like build.sh.
FAKE_BUILD = r"""#!/usr/bin/env bash
set -euo pipefail
DIST=${COLDSIGHT_DIST_DIR:-dist}
DEMO=0; [ "${1:-}" = --demo ] && DEMO=1
rm -rf "$DIST" && mkdir -p "$DIST/coldsight/_internal"
cp pyproject.toml "$DIST/coldsight/_internal/pyproject.toml"
cp packaging/coldsight.spec "$DIST/coldsight/coldsight"
tar --sort=name --mtime=@"$SOURCE_DATE_EPOCH" --owner=0 --group=0 -C "$DIST" -cf - coldsight | gzip -n > "$DIST/coldsight-test.tar.gz"
printf 'commit=%s\nsource_date_epoch=%s\ndemo=%s\ninstallers=1\n' "$COLDSIGHT_COMMIT" "$SOURCE_DATE_EPOCH" "$DEMO" > "$DIST/BUILDINFO"
(cd "$DIST" && find . -maxdepth 2 -type f ! -name SHA256SUMS ! -path './coldsight/*' -printf '%P\n' | LC_ALL=C sort | xargs -r sha256sum > SHA256SUMS)
(cd "$DIST" && find coldsight -type f -printf '%P\n' | LC_ALL=C sort | (cd coldsight && xargs -d '\n' sha256sum) > coldsight.files.sha256)
(cd "$DIST" && sha256sum coldsight.files.sha256 >> SHA256SUMS)
"""

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("ssh-keygen") is None or not (ROOT / ".git").exists(),
                                reason="needs OpenSSH's ssh-keygen and a git checkout")]


def _run(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


@pytest.fixture
def setup(tmp_path: Path) -> dict:
    """A signed 'release' of HEAD made by the stand-in build, a pinned signers file, a throwaway key."""
    build = tmp_path / "fake_build.sh"
    build.write_text(FAKE_BUILD)
    key = tmp_path / "release_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(key)], check=True)
    signers = tmp_path / "signers"
    public = key.with_suffix(".pub").read_text().split()
    signers.write_text(f'release@coldsight namespaces="coldsight-release" {public[0]} {public[1]}\n')
    commit = _run(["git", "rev-parse", "HEAD"], {}).stdout.strip()
    epoch = _run(["git", "log", "-1", "--format=%ct", commit], {}).stdout.strip()
    source = tmp_path / "release-source"
    source.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    release = tmp_path / "release"
    subprocess.run(["bash", str(build), "--demo"], cwd=source, check=True,
                   env={**os.environ, "COLDSIGHT_DIST_DIR": str(release), "SOURCE_DATE_EPOCH": epoch,
                        "COLDSIGHT_COMMIT": commit})
    shutil.rmtree(release / "coldsight")  # published: the installers and the lists, not the unpacked app
    env = {"COLDSIGHT_VERIFY_BUILD": f"bash {build}", "COLDSIGHT_RELEASE_KEY": str(key),
           "COLDSIGHT_RELEASE_SIGNERS": str(signers)}
    signed = _run(["bash", str(SIGN), str(release)], env)
    assert signed.returncode == 0, signed.stderr
    return {"release": release, "signers": signers, "env": env, "commit": commit, "key": key}


def _verify(setup: dict, *extra: str) -> subprocess.CompletedProcess:
    return _run(["bash", str(VERIFY), str(setup["release"]), "--signers", str(setup["signers"]), *extra],
                setup["env"])


def _resign(setup: dict) -> None:
    """What an attacker holding the release key would publish: sums and signature made to match."""
    release = setup["release"]
    sums = subprocess.run("find . -maxdepth 1 -type f ! -name 'SHA256SUMS*' -printf '%P\\n' | LC_ALL=C sort"
                          " | xargs sha256sum", shell=True, cwd=release, capture_output=True, text=True, check=True)
    (release / "SHA256SUMS").write_text(sums.stdout)
    assert _run(["bash", str(SIGN), str(release)], setup["env"]).returncode == 0


def test_a_release_built_from_the_same_commit_verifies(setup: dict) -> None:
    # As a stranger runs it: from the download folder, with paths relative to it.
    done = _run(["bash", str(VERIFY), "release", "--signers", "signers"], setup["env"], cwd=setup["release"].parent)
    assert done.returncode == 0, done.stderr
    assert f"byte-identical to a rebuild of {setup['commit']}" in done.stderr
    assert "good signature" in done.stderr


def test_one_changed_file_under_an_intact_signature_fails_the_checksums(setup: dict) -> None:
    tarball = setup["release"] / "coldsight-test.tar.gz"
    tarball.write_bytes(tarball.read_bytes() + b"\0")
    done = _verify(setup)
    assert done.returncode == 1
    assert "coldsight-test.tar.gz: FAILED" in done.stderr and "differs from SHA256SUMS" in done.stderr


def test_one_changed_file_with_matching_sums_and_signature_fails_the_rebuild(setup: dict) -> None:
    """Sums and signature can only vouch for what was signed; the rebuild catches a signed wrong file."""
    tarball = setup["release"] / "coldsight-test.tar.gz"
    tarball.write_bytes(tarball.read_bytes() + b"\0")
    _resign(setup)
    done = _verify(setup)
    assert done.returncode == 1, done.stderr
    assert "differs: coldsight-test.tar.gz" in done.stderr
    assert "is NOT what commit" in done.stderr and "1 difference(s)" in done.stderr


def test_one_changed_app_file_is_named(setup: dict) -> None:
    listing = setup["release"] / "coldsight.files.sha256"
    lines = listing.read_text().splitlines()
    lines[0] = "0" * 64 + lines[0][64:]
    listing.write_text("\n".join(lines) + "\n")
    _resign(setup)
    done = _verify(setup)
    assert done.returncode == 1
    assert "differs: coldsight.files.sha256" in done.stderr
    assert f"differs: coldsight/{lines[0][66:]}  (app file)" in done.stderr


def test_a_signature_by_an_unlisted_key_is_refused(setup: dict, tmp_path: Path) -> None:
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    (setup["release"] / "SHA256SUMS.sig").unlink()
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(other), "-n", "coldsight-release",
                    str(setup["release"] / "SHA256SUMS")], check=True)
    done = _verify(setup)
    assert done.returncode == 1
    assert "not in the signers file" in done.stderr


def test_a_missing_signature_is_refused_unless_waived_out_loud(setup: dict) -> None:
    (setup["release"] / "SHA256SUMS.sig").unlink()
    refused = _verify(setup)
    assert refused.returncode == 1 and "SHA256SUMS.sig is missing" in refused.stderr
    waived = _verify(setup, "--unsigned")
    assert waived.returncode == 0, waived.stderr
    assert "signature is NOT checked" in waived.stderr


def test_the_checked_in_signers_file_refuses_every_signature(setup: dict) -> None:
    """No release key exists yet: the pinned file lists none, so nothing verifies by default."""
    done = _run(["bash", str(VERIFY), str(setup["release"])], setup["env"])
    assert done.returncode == 1
    assert "lists no ssh-ed25519 key" in done.stderr


def test_signing_with_an_unlisted_key_writes_no_signature(setup: dict, tmp_path: Path) -> None:
    (setup["release"] / "SHA256SUMS.sig").unlink()
    empty = tmp_path / "no_signers"
    empty.write_text("# nobody\n")
    done = _run(["bash", str(SIGN), str(setup["release"])], {**setup["env"], "COLDSIGHT_RELEASE_SIGNERS": str(empty)})
    assert done.returncode == 1 and "REFUSED" in done.stderr
    assert not (setup["release"] / "SHA256SUMS.sig").exists()


def test_usage_errors_exit_64(tmp_path: Path) -> None:
    assert _run(["bash", str(VERIFY)], {}).returncode == 64
    assert _run(["bash", str(VERIFY), str(tmp_path / "absent")], {}).returncode == 64
