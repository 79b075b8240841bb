"""packaging/build.sh refuses a release that ships the public example signers unless told it is a demo build.

The build is stopped right after the trust check by a PYTHON stub (the real build is never run here)."""

import os
import subprocess
import sys
from pathlib import Path

from policies.example_keys import main as check_trust_file

ROOT = Path(__file__).resolve().parents[2]
STUB = """#!/bin/sh
if [ "$1" = policies/example_keys.py ]; then exec "{python}" "$@"; fi
echo STOPPED-AFTER-TRUST-CHECK >&2
exit 99
"""


def _build(tmp_path: Path, *args: str, demo: str | None = None) -> subprocess.CompletedProcess:
    stub = tmp_path / "python"
    stub.write_text(STUB.format(python=sys.executable))
    stub.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "COLDSIGHT_DEMO_BUILD"} | {"PYTHON": str(stub)}
    if demo is not None:
        env["COLDSIGHT_DEMO_BUILD"] = demo
    return subprocess.run(["bash", str(ROOT / "packaging" / "build.sh"), *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_release_build_with_example_trust_is_refused(tmp_path):
    result = _build(tmp_path)
    assert result.returncode == 65 and "REFUSED" in result.stderr and "STOPPED" not in result.stderr


def test_demo_build_passes_the_check(tmp_path):
    for result in (_build(tmp_path, "--demo"), _build(tmp_path, demo="1")):
        assert result.returncode == 99 and "DEMO BUILD" in result.stderr and "STOPPED-AFTER-TRUST-CHECK" in result.stderr


def test_trust_check_accepts_real_signers_and_finds_a_lowercased_example_key(tmp_path, capsys):
    real = tmp_path / "real.toml"
    real.write_text('schema = "coldsight.trust/1"\nthreshold = 1\n[[signers]]\nname = "team"\n'
                    'address = "0x1111111111111111111111111111111111111111"\n')
    assert check_trust_file([str(real)]) == 0
    sneaky = tmp_path / "sneaky.toml"
    sneaky.write_text(real.read_text() + '[[signers]]\nname = "x"\naddress = "0x3a1d69c64cb8ca68e4098821c49152404058a08d"\n')
    assert check_trust_file([str(sneaky)]) == 1
