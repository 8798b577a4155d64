"""The control API (``/_emulator/...``, JSON): the Python handle's switches for other processes.

Tests of a host app that runs the org with ``python -m flask_sfsync.emulator`` use it::

    GET  info                      the CLI's JSON
    GET|POST|DELETE faults         fault injection        GET|DELETE requests   the request log
    POST token                     a token for a user     GET|POST limits       the API count
    POST save                      write --data now
    GET|POST connected-app         {"name", "client_id", "callback_urls"}; POST {"name"}
                                   renames the app (its Allow/Deny page shows the name)
    POST   records/{Object}        create as "user"       {"fields", "user"}
    GET    records/{Object}/{Id}   the record as stored (deleted ones too)
    PATCH  records/{Object}/{Id}   update: {"fields", "user"} or {"fields", "stamp":
                                   "workflow"|"formula"} for a change made by a process
    DELETE records/{Object}/{Id}   to the recycle bin (?user=)
    POST   undelete                {"ids", "user"}
    POST   convert-lead            Salesforce's LeadConvert names, and "user"
    POST   merge                   {"sobject", "masterRecordId", "recordToMergeIds",
                                   "fields", "user"}
    GET|POST profiles              list; {"name", "based_on"} adds one
    POST   profiles/{name}         {"objects": {"Lead": {"create": false}},
                                    "fields": {"Contact.Phone": "hidden"}}
    POST   users/{username or Id}  {"profile", "active"}
    GET|POST|DELETE validation-rules          list; add; remove all
    DELETE validation-rules/{Object}/{name}   remove one
    POST   fields/{Object}/{Field} {"required": true}
    GET|POST visibility-lag        {"seconds": 5}

"user" is a username or Id (default: the admin). An error Salesforce would report answers
with its status and Salesforce's REST error body; a malformed request answers 400
``{"error": ...}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug import Request, Response

from flask_sfsync.emulator.errors import SalesforceApiError
from flask_sfsync.emulator.oauth.browser import DEFAULT_SCOPE
from flask_sfsync.emulator.schema import values
from flask_sfsync.emulator.store.convert import LeadConvert
from flask_sfsync.emulator.store.validation import Condition, ValidationRule

if TYPE_CHECKING:
    from flask_sfsync.emulator.hosts.faults import Faults
    from flask_sfsync.emulator.hosts.instance import ApiUsage
    from flask_sfsync.emulator.oauth.server import OAuthService
    from flask_sfsync.emulator.requestlog import RequestLog
    from flask_sfsync.emulator.store.org import Org

__all__ = ["ControlApi", "RunningOrg"]

PREFIX = "/_emulator"


class _NoRoute(Exception):
    """No control endpoint for this method and path (404)."""


class RunningOrg(Protocol):
    """What the login host uses of a started ``LocalOrg``."""

    @property
    def org(self) -> Org: ...
    @property
    def oauth(self) -> OAuthService: ...
    @property
    def faults(self) -> Faults: ...
    @property
    def request_log(self) -> RequestLog: ...
    @property
    def usage(self) -> ApiUsage: ...
    @property
    def data_file(self) -> Path | None: ...

    app_name: str  # the connected app's name; setting it renames the app (ValueError if bad)

    def info(self) -> dict[str, Any]: ...
    def issue_token(self, user: Any = None, scope: str = DEFAULT_SCOPE) -> dict[str, Any]: ...
    def expire_codes(self) -> None: ...
    def save(self) -> None: ...
    def user(self, who: Any = None) -> Any: ...


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status=status,
                    content_type="application/json")


@dataclass
class _Call:
    method: str
    parts: list[str]  # the path after /_emulator, split
    body: dict[str, Any]
    args: dict[str, str]


Route = Callable[["ControlApi", _Call], Response]


class ControlApi:
    def __init__(self, local: RunningOrg) -> None:
        self.local = local

    def handle(self, request: Request) -> Response:
        body: dict[str, Any] = {}
        if request.method in ("POST", "PUT", "PATCH"):
            raw = request.get_json(silent=True)
            body = raw if isinstance(raw, dict) else {}
        parts = [p for p in request.path[len(PREFIX):].split("/") if p]
        call = _Call(request.method, parts, body, dict(request.args))
        route = _ROUTES.get(parts[0]) if parts else None
        try:
            if route is None:
                raise _NoRoute
            return route(self, call)
        except SalesforceApiError as exc:
            return _json(exc.as_rest(), exc.status)
        except _NoRoute:
            return _json({"error": f"no control endpoint {request.method} {request.path}"}, 404)
        except KeyError as exc:
            return _json({"error": str(exc.args[0]) if exc.args else "missing key"}, 400)
        except (ValueError, TypeError) as exc:
            return _json({"error": str(exc)}, 400)

    # --- helpers ------------------------------------------------------------------------
    def _user_id(self, call: _Call) -> str:
        who = call.body.get("user", call.args.get("user"))
        return str(self.local.user(who).id)

    @staticmethod
    def _only(call: _Call, *methods: str) -> None:
        if call.method not in methods:
            raise _NoRoute

    # --- the switches that were there first --------------------------------------------
    def info(self, call: _Call) -> Response:
        self._only(call, "GET")
        return _json(self.local.info())

    def faults(self, call: _Call) -> Response:
        if call.method == "DELETE":
            self.local.faults.clear()
        elif call.method == "POST":
            _apply_faults(self.local, call.body)
        return _json(self.local.faults.state())

    def requests(self, call: _Call) -> Response:
        if call.method == "DELETE":
            self.local.request_log.clear()
            return _json({"requests": []})
        return _json({"requests": self.local.request_log.as_json()})

    def token(self, call: _Call) -> Response:
        self._only(call, "POST")
        return _json(self.local.issue_token(call.body.get("username"),
                                            call.body.get("scope", DEFAULT_SCOPE)))

    def limits(self, call: _Call) -> Response:
        if call.method == "POST":
            if "used" in call.body:
                self.local.usage.reset(int(call.body["used"]))
            if "max" in call.body:
                self.local.usage.set_limit(int(call.body["max"]))
        org = self.local.org
        return _json({"used": org.api_usage, "max": org.daily_api_limit})

    def save(self, call: _Call) -> Response:
        self._only(call, "POST")
        self.local.save()
        return _json({"saved": str(self.local.data_file)})

    def connected_app(self, call: _Call) -> Response:
        self._only(call, "GET", "POST")
        if call.method == "POST":
            if "name" not in call.body:
                raise ValueError("name: the connected app's new name is required")
            self.local.app_name = call.body["name"]
        app = self.local.oauth.app
        return _json({"name": app.name, "client_id": app.client_id,
                      "callback_urls": app.callback_urls})

    # --- records as people and processes change them ------------------------------------
    def records(self, call: _Call) -> Response:
        org = self.local.org
        if len(call.parts) == 2 and call.method == "POST":
            fields = _fields(call.body)
            new_id = org.create(call.parts[1], fields, self._user_id(call),
                                allow_duplicates=bool(call.body.get("allowDuplicates")))
            return _json({"id": new_id, "success": True, "errors": []}, 201)
        if len(call.parts) != 3:
            raise _NoRoute
        sobject, record_id = call.parts[1], call.parts[2]
        if call.method == "GET":
            return _json(_stored(org, sobject, record_id))
        if call.method == "PATCH":
            stamp = call.body.get("stamp")
            if stamp is not None:
                org.automation_update(sobject, record_id, _fields(call.body), stamp=str(stamp))
            else:
                org.update(sobject, record_id, _fields(call.body), self._user_id(call))
            return _json(_stored(org, sobject, record_id))
        if call.method == "DELETE":
            org.object_def(sobject)
            org.delete(record_id, self._user_id(call))
            return Response(status=204)
        raise _NoRoute

    def undelete(self, call: _Call) -> Response:
        self._only(call, "POST")
        ids = call.body.get("ids")
        if not isinstance(ids, list) or not ids:
            raise ValueError("ids: a list of record Ids is required")
        user_id = self._user_id(call)
        results = []
        for record_id in ids:
            try:
                self.local.org.undelete(str(record_id), user_id)
                results.append({"id": record_id, "success": True, "errors": []})
            except SalesforceApiError as exc:
                results.append({"id": record_id, "success": False,
                                "errors": [exc.as_record_error()]})
        return _json(results)

    def convert_lead(self, call: _Call) -> Response:
        self._only(call, "POST")
        request = LeadConvert.from_json(call.body)
        return _json(self.local.org.convert_lead(request, self._user_id(call)).as_json())

    def merge(self, call: _Call) -> Response:
        self._only(call, "POST")
        body = call.body
        merged = body.get("recordToMergeIds")
        if not isinstance(merged, list):
            raise ValueError("recordToMergeIds: a list of record Ids is required")
        result = self.local.org.merge(str(body.get("sobject", "")),
                                      str(body.get("masterRecordId", "")),
                                      [str(i) for i in merged], self._user_id(call),
                                      _fields(body) if "fields" in body else None)
        return _json(result.as_json())

    # --- who may see and do what -------------------------------------------------------
    def profiles(self, call: _Call) -> Response:
        access = self.local.org.access
        if len(call.parts) == 1:
            if call.method == "POST":
                access.add_profile(str(call.body["name"]),
                                   str(call.body.get("based_on", "Standard User")))
            return _json([p.as_json() for p in access.profiles.values()])
        self._only(call, "POST")
        name = call.parts[1]
        org = self.local.org
        for sobject, permissions in (call.body.get("objects") or {}).items():
            org.set_object_access(name, sobject, **{k: bool(v) for k, v in permissions.items()})
        for path, level in (call.body.get("fields") or {}).items():
            sobject, _, field = str(path).partition(".")
            org.set_field_access(name, sobject, field, str(level))
        return _json(access.profile(name).as_json())

    def users(self, call: _Call) -> Response:
        self._only(call, "POST")
        if len(call.parts) != 2:
            raise _NoRoute
        user = self.local.user(call.parts[1])
        org = self.local.org
        if "profile" in call.body:
            org.set_user_profile(user.id, str(call.body["profile"]))
        if "active" in call.body:
            org.set_user_active(user.id, bool(call.body["active"]))
        return _json({"user_id": user.id, "username": user.username, "active": user.is_active,
                      "profile": org.access.profile_of(user.id).name})

    def validation_rules(self, call: _Call) -> Response:
        rules = self.local.org.validation
        if call.method == "DELETE":
            if len(call.parts) == 3:
                if not rules.remove(self.local.org.object_def(call.parts[1]).name,
                                    call.parts[2]):
                    raise KeyError(f"no validation rule {call.parts[2]!r}")
            else:
                rules.clear()
        elif call.method == "POST":
            self._add_rule(call.body)
        return _json([rule.as_json() for rule in rules.all()])

    def _add_rule(self, body: dict[str, Any]) -> None:
        org = self.local.org
        obj = org.object_def(str(body.get("sobject", "")))
        spec = body.get("condition")
        if not isinstance(spec, dict):
            raise ValueError('condition: {"field": ..., "is": "blank"|"not_blank"|"equals"|'
                             '"matches"|"not_matches", "value": ...} is required')
        condition = Condition(str(spec.get("field")), str(spec.get("is")), spec.get("value"))
        message = body.get("message")
        if not isinstance(message, str) or not message:
            raise ValueError("message is required")
        org.validation.add(obj, ValidationRule(obj.name, str(body.get("name") or "Rule"),
                                               condition, message, body.get("error_field"),
                                               bool(body.get("active", True))))

    def fields(self, call: _Call) -> Response:
        self._only(call, "POST")
        if len(call.parts) != 3:
            raise _NoRoute
        org = self.local.org
        org.set_field_required(call.parts[1], call.parts[2], bool(call.body.get("required")))
        fdef = org.object_def(call.parts[1]).field(call.parts[2])
        assert fdef is not None
        return _json(fdef.describe())

    def visibility_lag(self, call: _Call) -> Response:
        visibility = self.local.org.visibility
        if call.method == "POST":
            visibility.set_lag(float(call.body.get("seconds", 0)))
        return _json({"seconds": visibility.lag})


_ROUTES: dict[str, Route] = {
    "info": ControlApi.info, "faults": ControlApi.faults, "requests": ControlApi.requests,
    "token": ControlApi.token, "limits": ControlApi.limits, "save": ControlApi.save,
    "connected-app": ControlApi.connected_app,
    "records": ControlApi.records, "undelete": ControlApi.undelete,
    "convert-lead": ControlApi.convert_lead, "merge": ControlApi.merge,
    "profiles": ControlApi.profiles, "users": ControlApi.users,
    "validation-rules": ControlApi.validation_rules, "fields": ControlApi.fields,
    "visibility-lag": ControlApi.visibility_lag,
}


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise ValueError("fields: an object of field names and values is required")
    return fields


def _stored(org: Org, sobject: str, record_id: str) -> dict[str, Any]:
    """Every field of a record as stored, in the recycle bin or not (for assertions)."""
    obj = org.object_def(sobject)
    found = org.get_record(record_id)
    if found is None or found[0] != obj.name:
        raise SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
    row = found[1]
    return {f.name: values.to_json(f, row[f.name]) for f in obj.fields.values()}


def _apply_faults(local: RunningOrg, body: dict[str, Any]) -> None:
    """POST /_emulator/faults: any of the keys below, applied in this order."""
    faults = local.faults
    if "latency" in body:
        faults.latency(float(body["latency"]))
    if "error_rate" in body:
        spec = body["error_rate"]
        faults.error_rate(float(spec["rate"]), str(spec.get("kind", "503")),
                          str(spec.get("path_prefix", "/")))
    if "fail_next" in body:
        spec = body["fail_next"]
        faults.fail_next(int(spec["n"]), str(spec.get("path_prefix", "/")),
                         str(spec.get("kind", "503")))
    if body.get("expire_tokens"):
        faults.expire_all_tokens()
    if body.get("expire_codes"):
        local.expire_codes()
    if "daily_limit" in body:
        faults.set_daily_limit(int(body["daily_limit"]))
    if "down" in body:
        if body["down"]:
            faults.down()
        else:
            faults.up()
