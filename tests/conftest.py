"""Suite-wide settings.

Tests under the folders in ``DATABASE_FOLDERS`` touch the host database; CI runs them a second
time on PostgreSQL (``SFSYNC_TEST_DATABASE_URL``), selected with ``-m db``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

DATABASE_FOLDERS = ("core", "host", "integration", "browser")
TESTS_ROOT = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(TESTS_ROOT).parts
        if parts and parts[0] in DATABASE_FOLDERS:
            item.add_marker(pytest.mark.db)
        if parts and parts[0] == "browser":
            item.add_marker(pytest.mark.browser)
