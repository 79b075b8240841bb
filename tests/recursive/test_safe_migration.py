"""SafeMigration (issue 19): the canonical library's documented self-call is explained, not an
EXECUTION_MISMATCH, and intents name a target version only when it is verified.

The expected singleton and fallback handler come from executing the bundled, hash-verified
SafeMigration 1.5.0 bytecode (the storage it writes), not from the table the code uses."""

import pytest

from tests.builders import address, calldata, service_record
from tests.core.helpers import verify_record

SAFE = address("migrating safe")
MIGRATION_150 = "0x6439e7ABD8Bb915A5263094784C5CF561c4172AC"  # safe-deployments v1.5.0 safe_migration.json
MIGRATION_141 = "0x526643F69b81B008F46d95CD5ced5eC0edFFDaC6"  # safe-deployments v1.4.1 safe_migration.json


def migrate(library: str, function: str, version: str = "1.4.1", safe: str = SAFE):
    return verify_record(service_record(safe, library, data=calldata(function, [], []), operation=1, safe_version=version))


def written(report, name: str) -> str | None:
    for write in report.execution.storage_writes:
        if write["name"] == name:
            return "0x" + write["after"][2:].rjust(40, "0")
    return None


@pytest.mark.parametrize("version", ["1.3.0", "1.4.1"])
@pytest.mark.parametrize("function", ["migrateWithFallbackHandler()", "migrateL2WithFallbackHandler()"])
def test_migration_with_fallback_handler_is_no_execution_mismatch(version, function):
    report = migrate(MIGRATION_150, function, version)
    codes = {f.code for f in report.findings}
    assert "EXECUTION_MISMATCH" not in codes and report.execution.status == "confirmed"
    assert "MASTERCOPY_CHANGE" in codes and report.verdict == "block"  # never ok without a policy
    singleton, handler = written(report, "singleton"), written(report, "fallbackHandler")
    assert singleton and handler
    intent = report.intents["0"].text
    assert singleton.lower()[-4:] in intent.lower() and handler.lower()[-4:] in intent.lower()
    # The self-call is in the tree, from the Safe to itself, and judged there.
    child = report.root.children[0]
    assert (child.to, child.runs_as, child.function.name) == (SAFE, SAFE, "setFallbackHandler")
    assert child.arg_at(0).lower() == handler.lower()
    # Judged on its implementation change alone: the library's own handler step is information.
    assert [f.severity for f in report.findings if f.code == "FALLBACK_HANDLER_CHANGE"] == ["info"]
    assert [f.code for f in report.findings if f.severity == "critical"] == ["MASTERCOPY_CHANGE"]


def test_a_policy_waiving_the_implementation_change_clears_the_migration():
    from tests.policies.helpers import SAFE as POLICY_SAFE
    from tests.policies.helpers import decide, policy_text

    report = migrate(MIGRATION_150, "migrateWithFallbackHandler()", safe=POLICY_SAFE)
    waiver = ('[[allow_dangerous]]\nfinding = "MASTERCOPY_CHANGE"\nreason = "planned upgrade to 1.5.0"\n'
              f'call = {{ to = "{MIGRATION_150}", function = "migrateWithFallbackHandler()" }}\n')
    from policies.result import effective_waiver

    result = decide(policy_text(waiver), report)
    left = [(f.code, f.severity) for f in report.findings if effective_waiver(f, result) is None]
    assert all(severity != "critical" for _, severity in left), left


def test_migrate_singleton_names_the_verified_target():
    report = migrate(MIGRATION_150, "migrateSingleton()")
    assert {f.code for f in report.findings} & {"EXECUTION_MISMATCH"} == set()
    assert "Safe 1.5.0" in report.intents["0"].text and written(report, "singleton")[-4:].lower() in report.intents["0"].text.lower()


def test_unverified_migration_library_claims_no_target_version():
    report = migrate(MIGRATION_141, "migrateWithFallbackHandler()")
    intent = report.intents["0"].text
    assert "1.5.0" not in intent and "not verified" in intent
    assert report.verdict == "block"
