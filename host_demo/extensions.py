"""The Flask extensions the demo host uses, created unbound so the app factory can bind them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """SQLAlchemy 2.x declarative base, so models get typed ``Mapped[...]`` columns."""


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()

# Flask-SQLAlchemy builds ``db.Model`` at run time, which mypy cannot use as a base class.
# Type checkers see the plain declarative base (same columns and metadata API); at run time
# models subclass the real ``db.Model`` so they share ``db.metadata``.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

__all__ = ["Model", "csrf", "db", "login_manager"]
