"""Fixtures of the monitor tests (``--update-golden`` is defined in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden tests should rewrite their expected output instead of comparing."""
    return bool(request.config.getoption("--update-golden"))
