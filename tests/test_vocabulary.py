"""One finding-code catalogue (decoders/vocabulary.py): a code added in one place only fails here.

Every code the core can raise (any string literal passed as the code of a `Finding(...)` anywhere
in decoders/, policies/ or app/) must be catalogued; every catalogued code must be documented in
the README's findings table and raised somewhere; the policy schema's waivable sets are the
catalogue's.
"""

import ast
import re
from pathlib import Path

from decoders.vocabulary import CATALOGUE, FINDING_CODES, NEVER_WAIVABLE_CODES, WAIVABLE_CODES, Severity, Verdict
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
