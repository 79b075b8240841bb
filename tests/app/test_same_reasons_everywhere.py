"""Every front end lists the same reasons in the same order: CLI text, JSON (`findings`), the GUI
review screen and the PNG render, for every payload in tests/corpus and examples/, and for the
policy examples with their policy (policy decisions, waivers, address-book labels)."""

import json
import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli

CORPUS = REPO_ROOT / "tests" / "corpus"
POLICY_EXAMPLES = REPO_ROOT / "policies" / "examples"
MARK_SEVERITY = {"[X]": "critical", "[!]": "warn", "[i]": "info"}
REASON_LINE = re.compile(r"^  (\[X\]|\[!\]|\[i\]) (.*?)(?: \[([A-Z0-9_]+)\])?$")


def _cases() -> list[tuple[str, Path, list[str]]]:
    expected = json.loads((CORPUS / "expected.json").read_text())
    cases = [(f"corpus/{name}", CORPUS / name, list(entry.get("args", []))) for name, entry in expected.items()
             if not name.startswith("_")]
    cases += [(f"examples/{path.name}", path, []) for path in sorted((REPO_ROOT / "examples").glob("*.json"))]
    for path in sorted((POLICY_EXAMPLES / "payloads").glob("*.json")):
        policy = {"treasury": "treasury.toml", "trading": "trading.toml"}.get(path.name.split("-")[0], "protocol-admin.toml")
        if "to" not in json.loads(path.read_text()):
            continue  # a Safe message (tests/messages compare its front ends)
        cases.append((f"policy/{path.name}", path, ["--policy", str(POLICY_EXAMPLES / policy)]))
    return cases


CASES = _cases()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))


def text_reasons(stdout: str) -> list[tuple[str, str, str | None]]:
    """(severity, sentence, code) of each reason line the CLI printed, in order."""
    block = stdout.split("\n\n", 1)[0].splitlines()[1:]  # after the verdict line, up to the hashes
    found = []
    for line in block:
        match = REASON_LINE.match(line)
        if match:
            found.append((MARK_SEVERITY[match.group(1)], match.group(2), match.group(3)))
    return found


def options_for(args: list[str]):
    from app.service import ReviewOptions

    policy = Path(args[args.index("--policy") + 1]) if "--policy" in args else None
    version = args[args.index("--safe-version") + 1] if "--safe-version" in args else None
    return ReviewOptions(policy=policy, safe_version=version)


@pytest.mark.parametrize("name,path,args", CASES, ids=[case[0] for case in CASES])
def test_cli_json_gui_and_png_list_the_same_reasons(name, path, args, qtbot, make_window, monkeypatch, tmp_path):
    text = run_cli(["verify", str(path), *args])
    document = run_cli(["verify", str(path), *args, "--format", "json"]).json()
    assert text.code in (0, 1, 2), text.stderr
    reasons = text_reasons(text.stdout)

    # JSON: the findings that count, in JSON order, are the text's coded reasons that count, in order;
    # waived findings (JSON `waivedBy`) are listed by the text as notes, also in JSON order.
    counted = [(f["severity"], f["code"]) for f in document["findings"] if "waivedBy" not in f]
    waived = [f["code"] for f in document["findings"] if "waivedBy" in f]
    text_waived = [code for _, sentence, code in reasons if code and "Allowed by the signed policy" in sentence]
    text_counted = [(severity, code) for severity, sentence, code in reasons
                    if code and "Allowed by the signed policy" not in sentence]
    assert text_counted == counted
    assert text_waived == waived
    policy = document.get("policy")
    decisions = policy["calls"] + policy.get("batchRules", []) if policy else []
    flagged = [c["path"] for c in decisions if c["outcome"] != "allow"]
    text_policy = [sentence for _, sentence, code in reasons if code is None and sentence.startswith("The policy")]
    # "call 0.1:" or "batch rule <id>:" (a [[batch_rules]] limit); text lists them by severity.
    subjects = [re.search(r"(call|batch rule) (\S+):", s).groups() for s in text_policy]
    assert sorted(("batch:" if kind == "batch rule" else "") + name for kind, name in subjects) == sorted(flagged)

    # GUI: the review screen the signer sees, reached by opening the file.
    window = make_window(options=options_for(args))
    window.load_file(str(path))
    qtbot.waitUntil(lambda: window.session.phase.value == "reviewing", timeout=15_000)
    gui = [label.text() for label in window.centralWidget().view.reason_labels]
    assert gui == [sentence for _, sentence, _ in reasons]

    # PNG: the widget `coldsight render` grabs, captured as the real command builds it.
    import app.gui.render as render

    rendered: list[list[str]] = []
    build = render.review_widget

    def capture(*a, **k):
        widget = build(*a, **k)
        rendered.append([label.text() for label in widget.view.reason_labels])
        return widget

    monkeypatch.setattr(render, "review_widget", capture)
    result = run_cli(["render", str(path), *args, "--out", str(tmp_path / "review.png")])
    assert result.code == text.code and (tmp_path / "review.png").stat().st_size > 1000
    assert rendered == [gui]


def test_cli_text_shows_the_policy_address_book_labels():
    """The policy's own names for addresses (its [addresses] keys) appear in the CLI's call rows."""
    payload = POLICY_EXAMPLES / "payloads" / "treasury-payroll-batch.json"
    policy = POLICY_EXAMPLES / "treasury.toml"
    book = tomllib.loads(policy.read_text())["addresses"]
    result = run_cli(["verify", str(payload), "--policy", str(policy)])
    calls = result.stdout.split("Calls:", 1)[1]
    for name in ("payroll", "ops"):
        assert f"{book[name]['address']} ({name})" in calls, calls
    without = run_cli(["verify", str(payload)]).stdout.split("Calls:", 1)[1]
    assert f"{book['payroll']['address']} (payroll)" not in without
