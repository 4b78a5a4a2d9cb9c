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
