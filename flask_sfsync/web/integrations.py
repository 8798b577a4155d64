"""The Integrations page, the catalogue of integrations, and Disconnect."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..services.connections import connection_for, disconnect
from .guard import current_tenant, own_connection
from .safety import ID


def integrations() -> str:
    return render_template("sfsync/integrations.html", connection=connection_for(current_tenant()))


def add() -> str:
    return render_template("sfsync/add.html", connection=connection_for(current_tenant()))


def disconnect_view(connection_id: int | None) -> Response | str:
    """GET asks first (what stays: the records in Salesforce; what stops: syncing); POST
    disconnects."""
    conn = own_connection(connection_id)
    if request.method == "GET":
        return render_template("sfsync/disconnect.html", connection=conn)
    if disconnect(conn):
        flash("Disconnected; the token was revoked at Salesforce. Your Salesforce records stay.",
              "success")
    else:
        flash(
            "Disconnected here, but Salesforce could not be reached to revoke the token. You can "
            "also remove it in Salesforce under Connected Apps OAuth Usage.",
            "warning",
        )
    return redirect(url_for(".integrations"))


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", "integrations", integrations)
    bp.add_url_rule("/add", "add", add)
    bp.add_url_rule(
        "/salesforce/disconnect",
        "disconnect",
        disconnect_view,
        methods=["POST"],
        defaults={"connection_id": None},
    )
    bp.add_url_rule(
        f"/salesforce/<{ID}:connection_id>/disconnect",
        "disconnect",
        disconnect_view,
        methods=["GET", "POST"],
    )
