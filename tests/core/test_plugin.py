"""The pytest plugin as a host uses it: fixtures by name, no conftest line."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_a_hosts_test_gets_the_org_named_after_its_app(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsfsync_app_name = People app\n")
    pytester.makepyfile(
        """
        def test_org(sfsync_org, sfsync_config):
            assert sfsync_org.app_name == "People app"
            assert sfsync_config["SFSYNC_LOGIN_URL_PRODUCTION"] == sfsync_org.login_url
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
