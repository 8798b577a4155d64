"""Connect, Reconnect and the OAuth callback.

The pending flow (state, PKCE verifier, environment, tenant) is kept in the Flask session under
one key and removed by the first callback that reads it, so a replayed callback finds nothing.
Every failure leaves the tenant's existing connection untouched: it is only written after the
code was exchanged and the identity read.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from ..salesforce import (
    Environment,
    EnvironmentChoiceError,
    OAuthFlowError,
    TransientFailure,
    exchange_code,
    fetch_identity,
    resolve_environment,
    start_authorization,
)
from ..services.connections import (
    connect_returned,
    connect_started,
    connection_for,
    oauth_settings,
    save_connection,
)
from ..state import get_state
from .forms import ConnectForm
from .guard import current_tenant, own_connection
from .safety import ID

log = logging.getLogger(__name__)

FLOW_KEY = "_sfsync_oauth_flow"
UNCHANGED = "Your previous Salesforce connection is unchanged."


def _environment(kind: str, domain: str | None) -> Environment:
    settings = get_state().settings
    return resolve_environment(
        kind,
        domain,
        production_url=settings.login_url_production,
        sandbox_url=settings.login_url_sandbox,
    )


def _begin(environment: Environment) -> Response:
    auth = start_authorization(oauth_settings(with_redirect=True), environment.login_url)
    session[FLOW_KEY] = {
        "state": auth.state,
        "code_verifier": auth.code_verifier,
        "environment": environment.kind,
        "login_url": environment.login_url,
        "tenant": current_tenant(),
    }
    connect_started(auth.state, current_tenant())
    return redirect(auth.url)


def connect() -> Response | tuple[str, int] | str:
    if request.method == "GET":
        return _connect_page(ConnectForm())
    form = ConnectForm(request.form)
    if not form.validate():
        return _connect_page(form), 400
    try:
        environment = _environment(form.environment.data, form.domain.data)
    except EnvironmentChoiceError as exc:
        field = form.domain if form.environment.data == "custom" else form.environment
        field.errors = [*field.errors, str(exc)]
        return _connect_page(form), 400
    return _begin(environment)


def _connect_page(form: ConnectForm) -> str:
    """The Connect page; each environment is labelled with the login host it opens."""
    settings = get_state().settings
    hosts = {
        "production": urlsplit(settings.login_url_production).netloc,
        "sandbox": urlsplit(settings.login_url_sandbox).netloc,
    }
    return render_template("sfsync/connect.html", form=form, login_hosts=hosts)


def reconnect(connection_id: int | None) -> Response:
    conn = own_connection(connection_id)
    try:
        if conn.environment == "custom":
            environment = _environment("custom", conn.login_url)
        else:
            environment = _environment(conn.environment, None)
    except EnvironmentChoiceError as exc:
        flash(f"{exc} Choose the environment again.", "error")
        return redirect(url_for(".connect"))
    return _begin(environment)


def _unchanged() -> str:
    """What a failed connect left: the previous connection, or nothing (the first one)."""
    conn = connection_for(current_tenant())
    if conn is not None and conn.status != "disconnected":
        return UNCHANGED
    return "Nothing was connected."


def callback() -> Response:
    flow: dict[str, Any] | None = session.pop(FLOW_KEY, None)
    target = redirect(url_for(".integrations"))
    problem = _callback_problem(flow)
    if problem:
        flash(f"{problem} {_unchanged()}", "error")
        return target
    assert flow is not None
    try:
        _finish(flow)
    except OAuthFlowError as exc:
        log.info("Salesforce connect failed for tenant %s: %s", flow["tenant"], exc.error)
        flash(f"{_describe(exc)} {_unchanged()}", "error")
        return target
    except TransientFailure as exc:
        log.warning("Salesforce unavailable during connect for tenant %s: %s", flow["tenant"], exc)
        flash(
            f"Salesforce could not be reached ({exc}). Try again in a few minutes. {_unchanged()}",
            "error",
        )
        return target
    conn = connection_for(current_tenant())
    who = conn.username if conn else "Salesforce"
    flash(f"Salesforce is connected as {who}.", "success")
    return target


def _callback_problem(flow: dict[str, Any] | None) -> str | None:
    args = request.args
    if flow is None or not args.get("state") or args.get("state") != flow.get("state"):
        return (
            "This Salesforce sign-in is not the one we started, or it was already used: "
            "choose Connect again."
        )
    if flow.get("tenant") != current_tenant():
        return "This Salesforce sign-in was started by another account."
    if not connect_returned(str(args["state"]), current_tenant()):
        return (
            "This Salesforce sign-in was already used or has expired: choose Connect again."
        )
    if args.get("error"):
        if args["error"] == "access_denied":
            return "Salesforce access was not allowed (Deny was chosen at Salesforce)."
        detail = (args.get("error_description") or args["error"])[:200]
        return f"Salesforce refused the connection: {detail}."
    if not args.get("code"):
        return "Salesforce sent no authorization code."
    return None


def _finish(flow: dict[str, Any]) -> None:
    settings = oauth_settings(with_redirect=True)
    tokens = exchange_code(settings, flow["login_url"], request.args["code"], flow["code_verifier"])
    identity = fetch_identity(
        tokens.id_url, tokens.access_token, verify=settings.verify, timeout=settings.timeout
    )
    environment = Environment(flow["environment"], flow["login_url"])
    save_connection(flow["tenant"], environment, tokens, identity)


def _describe(exc: OAuthFlowError) -> str:
    if exc.error == "invalid_grant":
        return (
            "Salesforce refused the authorization code: it expired or was already used. "
            "Connect again."
        )
    if exc.error in ("invalid_client", "invalid_client_id", "unauthorized_client"):
        return "Salesforce refused this application's credentials (check SFSYNC_CLIENT_ID/SECRET)."
    return f"Salesforce refused the connection ({exc.error}: {exc.description})."


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/salesforce/connect", "connect", connect, methods=["GET", "POST"])
    bp.add_url_rule("/salesforce/callback", "callback", callback)
    bp.add_url_rule(
        "/salesforce/reconnect",
        "reconnect",
        reconnect,
        methods=["POST"],
        defaults={"connection_id": None},
    )
    bp.add_url_rule(
        f"/salesforce/<{ID}:connection_id>/reconnect", "reconnect", reconnect, methods=["POST"]
    )
