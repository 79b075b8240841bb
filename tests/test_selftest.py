"""Start-up self-test: passes on this build; any tampered core makes `coldsight` refuse to review."""

import json
from pathlib import Path

import pytest

from app import cli, exitcodes, selftest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "bybit-attack.json"


def test_self_test_passes_on_an_intact_build() -> None:
    assert selftest.run().failures == ()


def test_self_test_covers_every_safe_hash_family() -> None:
    from decoders.safetx import HashFamily, SafeVersion

    families = {SafeVersion.parse(version).family for version in selftest.HASH_VECTORS}
    assert families == set(HashFamily)


def _tamper_keccak(monkeypatch: pytest.MonkeyPatch) -> None:
    import decoders.eip712
    import decoders.hexutil

    real = decoders.hexutil.keccak
    def wrong(data: bytes) -> bytes:
        return real(data + b"\x00")
    monkeypatch.setattr(decoders.hexutil, "keccak", wrong)
    monkeypatch.setattr(decoders.eip712, "keccak", wrong)


def test_tampered_hash_function_fails_the_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    _tamper_keccak(monkeypatch)
    failures = selftest.run().failures
    assert any(failure.startswith("keccak:") for failure in failures)
    assert any(failure.startswith("safe-hashes:") for failure in failures)


def test_tampered_build_refuses_to_verify(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    _tamper_keccak(monkeypatch)
    status = cli.main(["verify", str(EXAMPLE), "--format", "json"])
    captured = capsys.readouterr()
    assert status == exitcodes.INVALID == 3
    assert captured.out == ""  # no report at all, not even a "block" one
    assert "self-test FAILED" in captured.err and "refusing to review" in captured.err
    assert "keccak" in captured.err


def test_tampered_domain_separator_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    import decoders.eip712

    # A subtle tamper: drop the chain id from the >= 1.3.0 domain (cross-chain replay).
    real = decoders.eip712.domain_separator
    def no_chain(family, safe, chain_id):
        return real(family, safe, 0 if family.has_chain_id else chain_id)
    monkeypatch.setattr(decoders.eip712, "domain_separator", no_chain)
    assert any("Safe 1.4.1" in failure for failure in selftest.run().failures)


def test_tampered_abi_table_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    import decoders.abi

    monkeypatch.setattr(decoders.abi.AbiRegistry, "candidates", lambda self, selector, address=None: [])
    assert any(failure.startswith("erc20-decoding:") for failure in selftest.run().failures)


def test_tampered_findings_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    import decoders.verify

    monkeypatch.setattr(decoders.verify, "tree_findings", lambda root, context, names=None: [])
    assert any(failure.startswith("bybit-verdict:") for failure in selftest.run().failures)


def test_tampered_ur_decoder_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    import decoders.ur.bytewords as bytewords

    real = bytewords.decode
    monkeypatch.setattr(bytewords, "decode", lambda text, *a, **k: real(text, *a, **k)[:-1] + b"\x00")
    assert any(failure.startswith("ur:") for failure in selftest.run().failures)


def test_a_crash_inside_a_check_is_a_failure_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> None:
        raise RuntimeError("corrupt data file")
    monkeypatch.setattr(selftest, "CHECKS", (("boom", boom),))
    assert selftest.run().failures == ("boom: RuntimeError: corrupt data file",)


def test_intact_build_still_verifies_after_the_self_test(capsys: pytest.CaptureFixture) -> None:
    status = cli.main(["verify", str(EXAMPLE), "--format", "json"])
    assert status == exitcodes.BLOCK
    assert json.loads(capsys.readouterr().out)["verdict"] == "block"


def test_gui_refusal_is_also_shown_in_a_window(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    _tamper_keccak(monkeypatch)
    shown: list[str] = []
    monkeypatch.setattr(selftest, "show_refusal_window", shown.append)
    assert cli.main(["gui", str(EXAMPLE)]) == exitcodes.INVALID
    assert len(shown) == 1 and "tampered" in shown[0]
    assert "self-test FAILED" in capsys.readouterr().err


def test_tampered_evm_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    import decoders.evm

    real = decoders.evm.execute_safe_tx

    def drops_the_last_inner_call(*args, **kwargs):
        execution = real(*args, **kwargs)
        for call in execution.calls:
            if call.children:
                call.children.pop()
        return execution

    monkeypatch.setattr(decoders.evm, "execute_safe_tx", drops_the_last_inner_call)
    assert any(failure.startswith("evm-execution:") for failure in selftest.run().failures)


def test_a_missing_dependency_is_named_as_an_incomplete_install_not_tampering() -> None:
    """The shipped drift: py-evm (module `eth`) left out of an install. The refusal stays (exit 3),
    but the message names the module and the install, not an attacker."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'eth' or name.startswith('eth.'):\n"
        "            raise ModuleNotFoundError(f\"No module named '{name}'\", name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from app import cli\n"
        f"sys.exit(cli.main(['verify', {str(EXAMPLE)!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=EXAMPLE.parents[1], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == exitcodes.INVALID, done.stderr
    assert done.stdout == ""
    assert "a module it needs is missing ('eth')" in done.stderr
    assert "installation is incomplete" in done.stderr and "pip install -e ." in done.stderr
    assert "tampered" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_wrong_answer_beside_a_missing_module_still_reads_as_tampering() -> None:
    result = selftest.SelfTestResult(("keccak: Keccak-256 of the empty string: expected 'c5', got '00'",
                                      "evm-execution: ModuleNotFoundError: No module named 'eth'"), ("eth",))
    message = selftest.refusal_message(result)
    assert "tampered" in message and "missing: eth" in message
