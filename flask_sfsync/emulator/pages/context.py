"""One request to the record pages: the org, who is signed in, and rendering with the nav bar.

Reading needs no sign-in (links from a host app open at once, as the pages always did; the
visitor then reads as the admin); every change does, and is made as the signed-in user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug import Request, Response

from flask_sfsync.emulator.pages.render import render
from flask_sfsync.emulator.pages.sessions import CSRF_FIELD, Sessions
from flask_sfsync.emulator.pages.views import LISTED

if TYPE_CHECKING:
    from flask_sfsync.emulator.schema.model import ObjectDef
    from flask_sfsync.emulator.store.org import Org
    from flask_sfsync.emulator.store.users import User

__all__ = ["NOTICES", "Page", "safe_next"]

SIGN_IN_PATH = "/records/login"
NOTICES = {
    "created": "{what} was created.",
    "saved": "{what} was saved.",
    "deleted": "{what} was deleted. You can restore it from the Recycle Bin.",
    "owner": "{what} has a new owner.",
    "converted": "{what} was converted.",
    "merged": "The records were merged into {what}.",
    "undeleted": "{what} restored from the Recycle Bin.",
    "signed_in": "Signed in as {what}.",
}


def safe_next(target: str | None, default: str = "/records/Contact") -> str:
    """A local path to go back to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@dataclass
class Page:
    org: Org
    sessions: Sessions
    request: Request
    user: User | None
    _csrf: tuple[str, bool] | None = field(default=None, repr=False)

    @property
    def csrf_token(self) -> str:
        """This page's CSRF token (the session's, or a new cookie's when signed out)."""
        if self._csrf is None:
            self._csrf = self.sessions.csrf_token(self.request)
        return self._csrf[0]

    @property
    def acting_id(self) -> str:
        """Whose view the page shows: the signed-in user, else the admin."""
        return self.user.id if self.user is not None else self.org.admin.id

    def view(self, obj: ObjectDef) -> ObjectDef | None:
        return self.org.visible_object(obj, self.acting_id)

    def live_record(self, obj: ObjectDef, record_id: str) -> Mapping[str, Any] | None:
        """The record ``record_id`` when it is a live ``obj`` this page's user may see
        (None: the page answers 404, whether it is missing, deleted or another object's)."""
        found = self.org.get_record(record_id)
        if self.view(obj) is None or found is None or found[0] != obj.name:
            return None
        row = found[1]
        return None if row["IsDeleted"] else row

    def can(self, sobject: str, operation: str) -> bool:
        if self.user is None:
            return False
        return self.org.access.can(self.user.id, sobject, operation)  # type: ignore[arg-type]

    def notice(self) -> str | None:
        template = NOTICES.get(self.request.args.get("notice", ""))
        what = self.request.args.get("what", "").strip()[:200] or "The record"
        return template.format(what=what) if template else None

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        token = self.csrf_token
        response = render(template, status=status, views=LISTED, user=self.user,
                          csrf_field=CSRF_FIELD, csrf_token=token, notice=self.notice(),
                          here=self.request.full_path.rstrip("?"), **context)
        if self._csrf is not None and self._csrf[1]:
            self.sessions.set_csrf_cookie(response, token)
        return response

    def message(self, title: str, text: str, status: int) -> Response:
        return self.render("message.html", status=status, title=title, message=text,
                           sobject=None)

    def not_found(self, text: str) -> Response:
        return self.render("not_found.html", status=404, message=text, sobject=None)

    @staticmethod
    def redirect(path: str, params: Mapping[str, str] | None = None) -> Response:
        url = f"{path}?{urlencode(params)}" if params else path
        return Response(status=303, headers={"Location": url})

    def sign_in_first(self) -> Response:
        return self.redirect(SIGN_IN_PATH, {"next": self.request.full_path.rstrip("?")})

    def guard(self) -> Response | None:
        """For a change: sign-in first, and a POST must carry the session's CSRF token."""
        if self.user is None:
            if self.request.method == "POST":
                return self.message("Sign in first", "Sign in to make changes.", 403)
            return self.sign_in_first()
        if self.request.method == "POST" and not self.sessions.csrf_ok(self.request):
            return self.message("This form has expired",
                                "Reload the page and submit the form again.", 400)
        return None
