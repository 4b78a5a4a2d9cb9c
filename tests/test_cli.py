import pytest

from shop.extensions import db
from shop.models import Product, User
from shop.money import MoneyError, check_chargeable, check_steps
from shop.services.demo import DEMO_PRODUCTS


def snapshot():
    products = db.session.execute(
        db.select(Product.slug, Product.price_minor, Product.stock).order_by(Product.slug)
    ).all()
    users = db.session.execute(db.select(User.email, User.is_admin).order_by(User.email)).all()
    return products, users


def test_seed_twice_leaves_the_same_data(runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "admin@example.com" in first.output and "customer@example.com" in first.output
    assert "Log in with:" in first.output  # as the shop's Log in link says
    once = snapshot()
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert snapshot() == once
    products, users = once
    assert len(products) == len(DEMO_PRODUCTS) >= 12
    assert any(stock == 1 for _, _, stock in products)
    assert len({price for _, price, _ in products}) >= 10
    assert ("admin@example.com", True) in users and ("customer@example.com", False) in users


def chargeable(amount_minor: int, currency: str) -> bool:
    """Whether Stripe would take a charge of this amount on its own."""
    try:
        check_chargeable(amount_minor, currency)
        check_steps(amount_minor, currency)
    except MoneyError:
        return False
    return True


@pytest.mark.parametrize("currency", ["usd", "gbp", "huf", "jpy", "isk", "kwd"])
def test_seed_prices_every_product_so_it_can_be_bought_alone_in_the_shops_currency(
    app, runner, currency
):
    app.config["SHOP_CURRENCY"] = currency
    assert runner.invoke(args=["seed"]).exit_code == 0
    prices = dict(db.session.execute(db.select(Product.slug, Product.price_minor)).all())
    assert {p.currency for p in db.session.execute(db.select(Product)).scalars()} == {currency}
    assert all(chargeable(price, currency) for price in prices.values())
    # The sticker is "the smallest order we take": nothing less could be charged.
    assert not any(chargeable(less, currency) for less in range(1, prices["sticker"]))
    assert prices["record-player"] > prices["enamel-mug"] > prices["sticker"]


def test_create_admin_from_stdin(runner, client, auth):
    result = runner.invoke(
        args=["create-admin", "Boss@Example.com", "--password-stdin"], input="long-password\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.is_admin and user.email == "boss@example.com"
    auth.login("boss@example.com", "long-password")
    assert client.get("/admin/").status_code == 200


def test_create_admin_prompts_and_promotes_an_existing_user(runner, make_user):
    make_user(email="ann@example.com")
    result = runner.invoke(args=["create-admin", "ann@example.com"], input="new-password\n" * 2)
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.is_admin and user.check_password("new-password")


def test_a_password_set_from_the_command_line_signs_the_old_one_out(runner, make_user, auth,
                                                                     client):
    make_user(email="ann@example.com", password="old-password")
    auth.login("ann@example.com", "old-password")  # or whoever had her old password
    result = runner.invoke(args=["create-admin", "ann@example.com", "--password-stdin"],
                           input="new-password\n")
    assert result.exit_code == 0, result.output
    assert client.get("/account/cards").status_code == 302  # to the sign-in page


def test_create_admin_refuses_a_short_password(runner):
    result = runner.invoke(args=["create-admin", "a@example.com", "--password-stdin"], input="x\n")
    assert result.exit_code != 0 and "8 characters" in result.output
    assert db.session.execute(db.select(User)).first() is None


def test_seed_refuses_outside_development(app, runner):
    app.config["SHOP_ENV"] = "production"
    result = runner.invoke(args=["seed"])
    assert result.exit_code != 0
    assert "only with SHOP_ENV=development" in result.output
    assert snapshot() == ([], [])


def test_create_admin_refuses_what_is_not_an_email(runner):
    for email in ("not-an-email", ""):
        result = runner.invoke(args=["create-admin", email, "--password-stdin"],
                               input="long-password\n")
        assert result.exit_code == 2 and "Invalid value for EMAIL" in result.output
    assert db.session.execute(db.select(User)).first() is None
