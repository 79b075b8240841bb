"""`coldsight_runner`: every end-to-end test runs against the source tree and the frozen binary."""

import pytest

from .runners import FROZEN, FROZEN_BINARY, FROZEN_REQUIRED, MODULE, Runner, frozen_available


def _runner(name: str) -> Runner:
    if name == "module":
        return MODULE
    if frozen_available():
        return FROZEN
    if FROZEN_REQUIRED:
        pytest.fail(f"COLDSIGHT_FROZEN=1 but {FROZEN_BINARY} is missing: run `bash packaging/build.sh` first")
    pytest.skip(f"no frozen build at {FROZEN_BINARY} (bash packaging/build.sh; COLDSIGHT_FROZEN=1 makes this required)")


@pytest.fixture(params=["module", "frozen"])
def coldsight_runner(request: pytest.FixtureRequest) -> Runner:
    return _runner(request.param)


@pytest.fixture
def frozen_runner() -> Runner:
    return _runner("frozen")
