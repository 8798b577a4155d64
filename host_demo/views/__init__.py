"""The host's pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask, render_template

from . import activities, companies, contacts, dashboard


def register_views(app: Flask) -> None:
    for module in (dashboard, contacts, companies, activities):
        app.register_blueprint(module.bp)

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return render_template("errors/404.html"), 404

    @app.errorhandler(400)
    def bad_request(error: Exception) -> tuple[str, int]:
        description = getattr(error, "description", "The request could not be understood.")
        return render_template("errors/400.html", description=description), 400
