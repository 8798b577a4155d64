"""Where the sync core keeps what it knows between pushes, behind small protocols.

The Flask layer backs :class:`LinkStore` with its ``links`` table; tests and scripts use
:class:`MemoryLinkStore`. A link ties a host contact to the one Salesforce record every later
update goes to, with the fingerprint of what was last sent there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Link", "LinkStore", "MemoryLinkStore"]


@dataclass(frozen=True, slots=True)
class Link:
    host_id: str
    sobject: str  # "Lead" or "Contact"
    sf_id: str
    fingerprint: str | None = None  # of the values last pushed; None: push next time


class LinkStore(Protocol):
    def links_for(self, host_ids: Sequence[str]) -> Mapping[str, Link]:
        """The links of these host contacts (absent: none yet)."""
        ...

    def save_links(self, links: Sequence[Link]) -> None:
        """Insert or replace, by host id. Called after every written chunk, so a crash
        mid-push keeps the links of what was already written."""
        ...


class MemoryLinkStore:
    def __init__(self, links: Iterable[Link] = ()) -> None:
        self.links: dict[str, Link] = {link.host_id: link for link in links}

    def links_for(self, host_ids: Sequence[str]) -> Mapping[str, Link]:
        return {h: self.links[h] for h in host_ids if h in self.links}

    def save_links(self, links: Sequence[Link]) -> None:
        for link in links:
            self.links[link.host_id] = link
