"""Options for the monitor tests: ``--update-golden`` rewrites golden expected files."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    try:
        parser.addoption(
            "--update-golden",
            action="store_true",
            default=False,
            help="rewrite the expected files of golden tests from the current output",
        )
    except ValueError:
        pass  # another conftest of the suite already defines it


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden tests should rewrite their expected output instead of comparing."""
    return bool(request.config.getoption("--update-golden", default=False))
