"""The held-out corpus (tests/corpus): real incident and benign transactions run through
`coldsight verify --format json`; hashes from safe-eth-py, verdicts and findings from expected.json."""

import json
from pathlib import Path

import pytest

from .peers import peer_hashes

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
EXPECTED = {name: case for name, case in json.loads((CORPUS / "expected.json").read_text()).items() if not name.startswith("_")}


def test_every_payload_has_an_expectation():
    payloads = {path.name for path in CORPUS.glob("*.json")} - {"expected.json"}
    assert payloads == set(EXPECTED)
    assert any(case["verdict"] == "block" for case in EXPECTED.values())
    assert any(case["verdict"] == "ok" for case in EXPECTED.values())


def _hash_record(document: dict, context: dict) -> dict:
    if "types" in document:  # typed data: flatten into the service shape for the peer
        message = document["message"]
        record = dict(message, safe=document["domain"]["verifyingContract"], chainId=document["domain"].get("chainId", 1))
        record.setdefault("baseGas", message.get("dataGas"))
    else:
        record = document
    return {**record, **context}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_payload(run_cli, name):
    case = EXPECTED[name]
    path = CORPUS / name
    result = run_cli(["verify", str(path), "--format", "json", *case.get("args", [])])
    assert "Traceback" not in result.stderr
    assert result.code == case["exit"], result.stderr
    report = result.json()
    assert report["verdict"] == case["verdict"]
    assert sorted(map(tuple, case["findings"])) == sorted((f["code"], f["severity"], f["path"]) for f in report["findings"])
    assert report["hashes"] == peer_hashes(_hash_record(json.loads(path.read_text()), case.get("context", {})))
