"""Coldsight's tests (a package, so tests/app is `tests.app` and never shadows the real `app`)."""
