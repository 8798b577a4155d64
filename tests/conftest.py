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
        path = Path(str(item.fspath))
        if not path.is_relative_to(TESTS_ROOT):
            continue  # e.g. examples/, run in the same session by ./scripts/test.sh
        parts = path.relative_to(TESTS_ROOT).parts
        if parts and parts[0] in DATABASE_FOLDERS:
            item.add_marker(pytest.mark.db)
        if parts and parts[0] == "browser":
            item.add_marker(pytest.mark.browser)
