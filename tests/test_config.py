"""Settings the shop refuses to start with, each with a message that says what to change."""

import pytest

from shop import create_app
from shop.config import ConfigError
from shop.database import READS
from shop.extensions import db
from tests.db_support import dispose_all


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(url):
    # Pages that only read use a second pool, which would see a second, empty database.
    with pytest.raises(ConfigError, match="give DATABASE_URL a file"):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})


def test_a_database_file_is_shared_by_both_pools(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.db'}",
                      "SECRET_KEY": "x"})
    with app.app_context():
        assert db.engines[READS].url == db.engine.url
        dispose_all(db.engines)


@pytest.mark.parametrize("env", ["production", "staging"])
@pytest.mark.parametrize("secret", ["SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_a_shop_off_a_laptop_refuses_to_start_without_its_secrets(monkeypatch, env, secret):
    # The laptop's stand-ins are public: a known SECRET_KEY signs anyone in as an admin.
    monkeypatch.setenv("SHOP_ENV", env)
    for name, value in {"SECRET_KEY": "a-real-secret", "STRIPE_SECRET_KEY": "sk_test_x",
                        "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
                        "STRIPE_WEBHOOK_SECRET": "whsec_x"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(secret)
    with pytest.raises(ConfigError, match=f"{secret} must be set unless SHOP_ENV is development"):
        create_app()
