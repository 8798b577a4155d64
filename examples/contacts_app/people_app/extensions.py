"""The app's extensions, created unbound: ``create_app`` binds them (the factory pattern)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """SQLAlchemy 2 declarative base: typed ``Mapped[...]`` columns."""


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()

# db.Model is built at run time, which a type checker cannot use as a base class: it sees the
# declarative base instead (the same columns and metadata API).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
