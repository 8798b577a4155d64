"""The panel a host puts on its contact page: in Salesforce or not, where, last syncs, errors."""

from __future__ import annotations

from .conftest import Env


def test_the_contact_page_shows_where_the_contact_is_in_salesforce(env: Env) -> None:
    good, bad = env.add_contacts([
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
         "company": "Engines"},
        {"first_name": "Bad", "last_name": "Mail", "email": "not-an-email", "company": "X"},
    ])
    before = env.client.get(f"/contacts/{good}").get_data(as_text=True)
    assert "Not in Salesforce" in before

    env.save_settings()
    env.workers.start()
    env.sync_now()
    env.wait_idle()

    lead = next(r for r in env.records("Lead") if r["Email"] == "ada@example.com")
    page = env.client.get(f"/contacts/{good}").get_data(as_text=True)
    assert "In Salesforce" in page and "Not in Salesforce" not in page
    assert lead["Id"] in page
    assert "Pushed (create Lead)" in page
    assert f"/integrations/salesforce/contacts/{good}/history" in page

    failed = env.client.get(f"/contacts/{bad}").get_data(as_text=True)
    assert "Not in Salesforce" in failed
    assert "INVALID_EMAIL_ADDRESS" in failed


def test_another_tenant_sees_no_panel(env: Env) -> None:
    (contact,) = env.add_contacts([{"first_name": "Ada", "last_name": "L", "email": "a@x.io"}])
    assert "Salesforce" in env.client.get(f"/contacts/{contact}").get_data(as_text=True)
    assert env.client.get("/test-login/2").status_code == 200
    page = env.client.get(f"/contacts/{contact}").get_data(as_text=True)
    assert "Ada L" in page and "Salesforce" not in page
