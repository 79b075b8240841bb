"""Hostile-input tests reuse the GUI tests' window factory (offscreen Qt, a review log in tmp_path)."""

import pytest

from tests.gui.conftest import make_window, review_log  # noqa: F401 (pytest fixtures)


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(tmp_path / "state"))
