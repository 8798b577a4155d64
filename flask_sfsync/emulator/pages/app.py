"""The record pages' routes: sign-in, lists, details, and the changes a signed-in user makes.

    /records/login, /records/logout             sign in with the org's users; sign out
    /records/recycle-bin                        deleted records; Undelete
    /records/{Object}                           list with search (Contact, Lead, Account ...)
    /records/{Object}/new                       create
    /records/{Object}/{Id}                      detail, related lists, actions
    /records/{Object}/{Id}/edit|delete|owner    edit, delete (to the recycle bin), change owner
    /records/Lead/{Id}/convert                  convert a lead
    /records/{Object}/{Id}/merge                merge up to three leads, contacts or accounts
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from werkzeug import Request, Response

from flask_sfsync.emulator.pages import actions, convert, merge, records, recycle
from flask_sfsync.emulator.pages.context import SIGN_IN_PATH, Page, safe_next
from flask_sfsync.emulator.pages.sessions import CSRF_FIELD, Sessions
from flask_sfsync.emulator.pages.views import view_of

if TYPE_CHECKING:
    from flask_sfsync.emulator.schema.model import ObjectDef
    from flask_sfsync.emulator.store.org import Org

__all__ = ["PagesApp"]

_LOGIN_ERROR = (
    "Please check your username and password. If you still can't log in, "
    "contact your Salesforce administrator."
)
Action = Callable[[Page, "ObjectDef", str], Response]
_ACTIONS: dict[str, Action] = {
    "edit": actions.edit, "delete": actions.delete, "owner": actions.change_owner,
    "convert": convert.convert, "merge": merge.merge,
}


class PagesApp:
    """Routes ``/`` (redirects) and everything under ``/records``."""

    def __init__(self, org: Org, sessions: Sessions | None = None) -> None:
        self.org = org
        self.sessions = sessions if sessions is not None else Sessions()

    def handles(self, path: str) -> bool:
        return path in ("/", "/records", "/records/") or path.startswith("/records/")

    def page(self, request: Request) -> Page:
        session = self.sessions.get(request)
        user = self.org.user(session.user_id) if session is not None else None
        return Page(self.org, self.sessions, request,
                    user if user is not None and user.is_active else None)

    def handle(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if len(parts) < 2:
            return Response(status=302, headers={"Location": "/records/Contact"})
        page = self.page(request)
        if parts[1] == "login" and len(parts) == 2:
            return self._sign_in(page)
        if parts[1] == "logout" and len(parts) == 2:
            return self._sign_out(page)
        if parts[1] == "recycle-bin" and len(parts) == 2:
            return recycle.recycle_bin(page)
        view = view_of(parts[1])
        obj = self.org.object_info(view.sobject) if view is not None else None
        if view is None or obj is None:
            return page.not_found(f"No record list for {parts[1]!r}.")
        if len(parts) == 2:
            return records.listing(page, obj) if view.listed else \
                page.not_found(f"No record list for {parts[1]!r}.")
        if len(parts) == 3:
            if parts[2] == "new":
                return actions.edit(page, obj, None)
            return records.detail(page, obj, parts[2])
        action = _ACTIONS.get(parts[3]) if len(parts) == 4 else None
        if action is None or (parts[3] == "convert" and obj.name != "Lead"):
            return page.not_found("No such page.")
        return action(page, obj, parts[2])

    def _sign_in(self, page: Page) -> Response:
        request = page.request
        target = safe_next(request.values.get("next"))
        if request.method != "POST":
            if page.user is not None:
                return page.redirect(target)
            return self._sign_in_form(page, target)
        if not self.sessions.csrf_ok(request):
            return self._sign_in_form(page, target, "This form has expired; try again.")
        username = request.form.get("username", "")
        user = self.org.authenticate(username, request.form.get("password", ""))
        if user is None:
            return self._sign_in_form(page, target, _LOGIN_ERROR, username)
        response = page.redirect(target)
        self.sessions.set_cookie(response, self.sessions.start(user.id))
        return response

    def _sign_in_form(self, page: Page, target: str, error: str | None = None,
                      username: str = "") -> Response:
        return page.render("login.html", status=400 if error else 200, action=SIGN_IN_PATH,
                           hidden={CSRF_FIELD: page.csrf_token, "next": target}, error=error,
                           username=username, hint="Sign in as one of the org's users to make "
                           "changes as that user.", sobject=None)

    def _sign_out(self, page: Page) -> Response:
        if page.request.method == "POST" and page.user is not None and \
                self.sessions.csrf_ok(page.request):
            self.sessions.end(page.request)
        response = page.redirect("/records/Contact")
        self.sessions.clear_cookie(response)
        return response

