"""Plain words on every line (issue 21): over every payload the repository ships, no reason and no
tick box shows a raw integer amount of a listed token, "raw units", or an ERC-721 reading of a listed
ERC-20; the raw values stay one click away (the call tree, JSON)."""

import json
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CORPUS = REPO_ROOT / "tests" / "corpus"
POLICY_EXAMPLES = REPO_ROOT / "policies" / "examples"


def _payloads() -> list[tuple[str, Path, dict]]:
    expected = json.loads((CORPUS / "expected.json").read_text())
    cases = []
    for name, entry in expected.items():
        if name.startswith("_"):
            continue
        args = entry.get("args", [])
        version = args[args.index("--safe-version") + 1] if "--safe-version" in args else None
        cases.append((f"corpus/{name}", CORPUS / name, {"safe_version": version}))
    cases += [(f"examples/{p.name}", p, {}) for p in sorted((REPO_ROOT / "examples").glob("*.json"))]
    shots = REPO_ROOT / "docs" / "screenshots" / "payloads"
    cases += [(f"screenshots/{p.name}", p, {}) for p in sorted(shots.glob("*.json")) if not p.name.startswith("invalid")]
    for path in sorted((POLICY_EXAMPLES / "payloads").glob("*.json")):
        policy = "treasury.toml" if path.name.startswith("treasury-") else "protocol-admin.toml"
        cases.append((f"policy/{path.name}", path, {"policy": POLICY_EXAMPLES / policy}))
    return cases


CASES = _payloads()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))


def listed_token_amounts(review) -> tuple[set[str], set[str]]:
    """(raw amounts of calls on listed tokens, as they would be printed; paths of those calls)."""
    from decoders.tokens import token_at

    report = review.report
    amounts, paths = set(), set()
    for node in report.root.walk():
        token = token_at(report.context.chain_id, node.to)
        permit2 = node.function is not None and node.function.name == "approve" and len(node.args or ()) == 4
        if permit2 and token_at(report.context.chain_id, str(node.args[0].value)) is not None:
            token = token_at(report.context.chain_id, str(node.args[0].value))
        if token is None or not node.args:
            continue
        paths.add(node.path)
        for arg in node.args:
            if isinstance(arg.value, int) and not isinstance(arg.value, bool) and arg.value >= 10 ** max(token.decimals, 3):
                amounts.update({str(arg.value), f"{arg.value:,}"})
    return amounts, paths


@pytest.mark.parametrize("name,path,options", CASES, ids=[case[0] for case in CASES])
def test_no_raw_unit_in_any_reason_or_tick_box_for_a_listed_token(name, path, options, tmp_path):
    from app.presentation import present
    from app.service import MessageItem, ReviewRequest, review

    result = review(ReviewRequest(payload=str(path), state_dir=tmp_path / "state", **options))
    if isinstance(result, MessageItem):
        return  # a message's typed data is shown field by field (its own view), not as token calls
    shown = present(result)
    lines = [reason.text for reason in shown.reasons] + [item.text for item in shown.acknowledgements]
    amounts, paths = listed_token_amounts(result)
    for line in lines:
        for amount in amounts:
            assert not re.search(rf"(?<![\d,.]){re.escape(amount)}(?![\d,])", line), (amount, line)
        if paths:
            assert "raw units" not in line, line
            assert "ERC-721" not in line or not any(f"(call {p})" in line for p in paths), line


def test_the_corpus_has_listed_token_amounts_to_look_for(tmp_path):
    """The check above can fail: the corpus holds listed-token calls whose raw amounts it looks for."""
    from app.service import ReviewRequest, review

    found = set()
    for _, path, options in CASES:
        result = review(ReviewRequest(payload=str(path), state_dir=tmp_path / "state", **options))
        if not hasattr(result, "report"):
            continue
        found |= listed_token_amounts(result)[0]
    assert {"50000000000", "150000000000"} <= found
