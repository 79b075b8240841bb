"""In-process verification of a service-JSON-shaped record (faster than the CLI for tables)."""

import json

from decoders.verify import VerifyOptions, verify_bytes


def verify_record(record: dict, **options):
    return verify_bytes(json.dumps(record).encode(), "test", VerifyOptions(**options))


def codes(report) -> list[str]:
    return [finding.code for finding in report.findings]


def findings_by_code(report, code: str) -> list:
    return [finding for finding in report.findings if finding.code == code]
