"""The tabs of the integration's pages (Apollo's layout), one list for every page.

A capability adds its tab here when it is built (Accounts, Activities, Mappings next); a tab
whose capability is not there is absent, never a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from ..state import get_state

__all__ = ["TABS", "Tab", "tabs"]


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    endpoint: str
    #: Other endpoints that are this tab's pages.
    also: tuple[str, ...] = ()
    needs_push: bool = True


TABS = (
    Tab("overview", "Overview", "integrations", needs_push=False),
    Tab("contacts", "Contacts", "sync_settings"),
    Tab("errors", "Error log", "sync_errors"),
    Tab("history", "History", "sync_page", also=("sync_history",)),
)


def tabs() -> list[dict[str, object]]:
    """For templates: each available tab with its URL and whether it is the current page."""
    push = get_state().adapter is not None
    current = (request.endpoint or "").rpartition(".")[2]
    return [
        {
            "key": tab.key,
            "label": tab.label,
            "url": url_for(f".{tab.endpoint}"),
            "active": current in (tab.endpoint, *tab.also),
        }
        for tab in TABS
        if push or not tab.needs_push
    ]
