"""Helpers shared by the emulator's socket-level tests (imported as a plain module)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from flask_sfsync.emulator.handle import LocalOrg

V = "/services/data/v60.0"
JOB_DEADLINE = 60.0  # seconds a Bulk API job may take on a loaded machine before the test fails


def error_body(info: pytest.ExceptionInfo[Any]) -> Any:
    """The decoded error body simple-salesforce attached to its exception."""
    return info.value.content


def api(local: LocalOrg, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A call simple-salesforce cannot make as-is (odd content types, bad JSON, raw jobs)."""
    token = local.issue_token()["access_token"]
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return local.requests_session().request(
        method, f"{local.instance_url}{path}", headers=headers, timeout=30, **kwargs
    )


def wait_for_job(local: LocalOrg, job_id: str, kind: str = "ingest",
                 states: tuple[str, ...] = ("JobComplete", "Failed", "Aborted")) -> dict[str, Any]:
    """Poll a Bulk API 2.0 job, as clients do, until it reaches one of ``states``.

    The condition decides, not a fixed wait: the deadline only bounds a broken run.
    """
    deadline = time.monotonic() + JOB_DEADLINE
    while True:
        info: dict[str, Any] = api(local, "GET", f"{V}/jobs/{kind}/{job_id}").json()
        if info["state"] in states:
            return info
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} stayed in {info['state']}")
        time.sleep(0.01)
