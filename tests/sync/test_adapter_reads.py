"""How a full sync reads host contacts: joined Core rows when the adapter allows, objects
otherwise, the same HostContact dicts either way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from flask_sfsync.host import ContactAdapter
from flask_sfsync.sync.records import HostContact


class Base(DeclarativeBase):
    pass


class Company(Base):
    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    team: Mapped[str] = mapped_column(sa.String(20))
    first_name: Mapped[str | None] = mapped_column(sa.String(50))
    last_name: Mapped[str | None] = mapped_column(sa.String(50))
    email: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(20))
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"))
    company: Mapped[Company | None] = relationship()


@pytest.fixture
def session() -> Iterator[Session]:
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        acme = Company(name="Acme")
        db.add(acme)
        for i in range(1, 12):
            db.add(Person(
                team="a" if i != 4 else "b", first_name=f"P{i}", last_name=None if i == 3
                else "Smith", email=f"p{i}@example.org", region="EU" if i % 2 else None,
                company=acme if i % 3 else None,
            ))
        db.commit()
        yield db


def read_all(adapter: ContactAdapter, db: Session, after: str | None = None,
             limit: int = 100) -> list[HostContact]:
    return [c for page in adapter.sync_pages(db, "a", after, limit, batch=3) for c in page]


def test_core_rows_match_what_objects_give(session: Session) -> None:
    adapter = ContactAdapter(Person, tenant="team", fields={"company": "company.name"},
                             extra_fields={"Region__c": "region"})
    expected = [adapter.to_sync(p) for p in adapter.page(session, "a", None, 100)]
    assert read_all(adapter, session) == expected
    assert expected[0] == {"id": "1", "first_name": "P1", "last_name": "Smith",
                           "email": "p1@example.org", "company": "Acme",
                           "extra:Region__c": "EU"}
    assert "4" not in {c["id"] for c in expected}  # another tenant's
    assert "last_name" not in expected[2] and "company" not in expected[2]  # None left out
    # a resumed sync: after a cursor, at most ``limit``
    assert [c["id"] for c in read_all(adapter, session, after="5", limit=4)] == \
        ["6", "7", "8", "9"]
    loaded = adapter.load_sync(session, "a", ["2", "4", "99"])
    assert loaded == [c for c in expected if c["id"] == "2"]


def test_callables_are_read_from_objects(session: Session) -> None:
    adapter = ContactAdapter(Person, tenant="team", fields={
        "company": lambda p: p.company.name.upper() if p.company else None,
    })
    contacts = read_all(adapter, session)
    assert [c["id"] for c in contacts] == [str(i) for i in range(1, 12) if i != 4]
    assert contacts[0]["company"] == "ACME"
    assert adapter.load_sync(session, "a", ["1"])[0]["company"] == "ACME"
