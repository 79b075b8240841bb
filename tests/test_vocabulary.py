"""One finding-code catalogue (decoders/vocabulary.py): a code added in one place only fails here.

Every code the core can raise (a `FindingCode` member, or a literal, passed as the code of a
`Finding(...)` anywhere in decoders/, policies/, app/ or courier/) must be catalogued; every
catalogued code must be documented in the README's findings table and raised somewhere; the policy
schema's waivable sets are the catalogue's. And no verdict, severity, policy effect or finding code is spelled as a string literal
outside decoders/vocabulary.py (and tests): code names the enum member, so a typo fails at import.
"""

import ast
import re
from pathlib import Path

from decoders.vocabulary import (CATALOGUE, FINDING_CODES, NEVER_WAIVABLE_CODES, WAIVABLE_CODES, Effect, FindingCode, Severity,
                                 Verdict, worst_verdict)
from policies import schema

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("decoders", "policies", "app", "courier")
VOCABULARY_MODULE = ROOT / "decoders" / "vocabulary.py"


def _source_files() -> list[Path]:
    return [path for folder in SOURCE_DIRS for path in sorted((ROOT / folder).rglob("*.py")) if path != VOCABULARY_MODULE]


def _code_named_by(node: ast.AST) -> str | None:
    """The finding code an expression spells out: a literal "CODE" or `FindingCode.CODE`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "FindingCode":
        return node.attr
    return None


def _raised_codes() -> dict[str, list[str]]:
    """code -> files where `Finding(CODE, …)` (or `Finding(code=CODE)`) appears."""
    found: dict[str, list[str]] = {}
    for path in _source_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Finding"):
                continue
            candidates = list(node.args[:1]) + [kw.value for kw in node.keywords if kw.arg == "code"]
            for arg in candidates:
                code = _code_named_by(arg)
                if code is not None:
                    found.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return found


def _indirect_codes() -> set[str]:
    """Codes raised through a variable: any `FindingCode.CODE` named anywhere in the core's modules."""
    named = set()
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            code = _code_named_by(node) if isinstance(node, ast.Attribute) else None
            if code is not None:
                named.add(code)
    return named


def test_every_raised_code_is_catalogued():
    raised = _raised_codes()
    assert raised, "the scan found no Finding(...) calls at all: the test itself is broken"
    missing = {code: files for code, files in raised.items() if code not in FINDING_CODES}
    assert missing == {}, f"raised but not in decoders/vocabulary.py CATALOGUE: {missing}"


def test_every_catalogued_code_is_raised_somewhere():
    raised = set(_raised_codes()) | _indirect_codes()
    assert sorted(FINDING_CODES - raised) == []


def test_readme_documents_every_code_and_only_catalogued_ones():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Findings"):]
    table = table[: table.index("\n\n", table.index("| code"))]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert sorted(FINDING_CODES - documented) == [], "catalogued codes missing from the README findings table"
    assert sorted(documented - FINDING_CODES) == [], "README documents codes the catalogue does not know"


def test_policy_schema_waivable_sets_are_the_catalogues():
    assert schema.WAIVABLE == WAIVABLE_CODES and schema.NEVER_WAIVABLE == NEVER_WAIVABLE_CODES
    assert WAIVABLE_CODES | NEVER_WAIVABLE_CODES == FINDING_CODES and not WAIVABLE_CODES & NEVER_WAIVABLE_CODES


def test_integrity_codes_are_never_waivable():
    for code in ("CLAIMED_HASH_MISMATCH", "SIGNATURE_MISMATCH", "DOMAIN_MISMATCH", "DECODED_MISMATCH",
                 "UNDECODABLE_CALLDATA", "BATCH_AMBIGUOUS", "EXECUTION_MISMATCH"):
        assert code in NEVER_WAIVABLE_CODES


def test_catalogue_entries_are_well_formed():
    for code, info in CATALOGUE.items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", code)
        assert Severity(info.severity) in Severity
        assert info.meaning and len(info.meaning) < 120


def test_verdict_and_severity_orders():
    assert [v.rank for v in (Verdict.OK, Verdict.WARN, Verdict.BLOCK)] == [0, 1, 2]
    assert Severity.CRITICAL.verdict is Verdict.BLOCK and Severity.INFO.verdict is Verdict.OK
    assert Verdict.BLOCK == "block"  # str enums: equal to the stable strings scripts read


# Strings that equal a vocabulary word but are not one; (file, text on that line). Keep tiny.
NOT_VOCABULARY = {
    # `coldsight policy lint --format json`: "ok" is a JSON key of the lint report, not a verdict.
    ("app/cmd_policy.py", '"schema": "coldsight.policy-lint/1", "ok": False'),
    ("app/cmd_policy.py", '"schema": "coldsight.policy-lint/1", "ok": not warnings'),
}
VOCABULARY_WORDS = ({str(m) for m in Verdict} | {str(m) for m in Severity} | {str(m) for m in Effect}
                    | {str(code) for code in FINDING_CODES})


def stray_literals(path: Path, source: str) -> list[str]:
    """`file:line: 'word'` for every string constant in `source` that spells a vocabulary word."""
    relative = path.relative_to(ROOT).as_posix()
    lines = source.splitlines()
    stray = []
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in VOCABULARY_WORDS:
            line = lines[node.lineno - 1]
            if not any(relative == file and text in line for file, text in NOT_VOCABULARY):
                stray.append((node.lineno, node.col_offset, f"{relative}:{node.lineno}: {node.value!r}"))
    return [hit for *_, hit in sorted(stray)]


def test_no_vocabulary_literals_outside_the_vocabulary_module():
    stray = [hit for path in _source_files() for hit in stray_literals(path, path.read_text())]
    assert stray == [], "spell these with decoders/vocabulary.py's enums:\n" + "\n".join(stray)


def test_the_literal_scan_catches_each_kind_of_word():
    path = ROOT / "app" / "example.py"
    source = ('if review.verdict == "block":\n    severity = "critical"\n'
              'Finding("UNLIMITED_APPROVAL", severity, None, "m")\neffect = "deny"\nprint("blocked")\n')
    assert stray_literals(path, source) == ["app/example.py:1: 'block'", "app/example.py:2: 'critical'",
                                            "app/example.py:3: 'UNLIMITED_APPROVAL'", "app/example.py:4: 'deny'"]


def test_the_allowlist_still_matches_real_lines():
    """An allowlist entry whose line is gone would silently allow nothing: drop it instead."""
    for file, text in NOT_VOCABULARY:
        assert text in (ROOT / file).read_text(), (file, text)


def test_finding_code_enum_and_catalogue_agree():
    assert set(FindingCode) == set(CATALOGUE) and all(code.value == code.name for code in FindingCode)


def test_effect_order_and_verdicts():
    assert [e.rank for e in (Effect.ALLOW, Effect.WARN, Effect.DENY)] == [0, 1, 2]
    assert [e.verdict for e in Effect] == [Verdict.OK, Verdict.WARN, Verdict.BLOCK]
    assert worst_verdict() is Verdict.OK and worst_verdict("ok", "block", "warn") is Verdict.BLOCK
