"""App tests reuse the GUI tests' window factory (offscreen Qt, a review log in tmp_path)."""

from tests.gui.conftest import make_window, review_log  # noqa: F401 (pytest fixtures)
