"""Flask extensions, created unbound; `create_app` binds them to an app (`migrate` only
when a `flask` command builds it, see `shop.cli`)."""

from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from shop.database import Session
from shop.web.limits import client_key


class Base(DeclarativeBase):
    """Declarative base with named constraints, so Alembic can diff and drop them."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Migrations:
    """Flask-Migrate, imported when first bound: it brings in Alembic, about 10 MB in
    each process, which only the `flask db` commands and migration tests use."""

    def init_app(self, app: Flask, database: SQLAlchemy, **options: Any) -> None:
        from flask_migrate import Migrate

        Migrate(app, database, **options)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrations()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=client_key)
