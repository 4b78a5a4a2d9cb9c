"""What `flask refund` reports: the refund made, and what is left to refund after it."""

import pytest

from tests.payments_support import reload


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def paid(shopper, make_product, payment_method="pm_card_visa"):
    order = shopper.checkout((make_product(price_minor=2500), 1), email="bo@example.com")
    _, error, _ = shopper.pay(order, payment_method)
    assert error is None
    return reload(order)


def refund_line(result) -> tuple[str, str]:
    """The refund line without its Stripe id, and the order line."""
    assert result.exit_code == 0, result.output
    first, second = result.output.splitlines()
    assert first.startswith("Refund re_")
    return first.split(": ", 1)[1], second


def test_a_partial_refund_reports_what_is_left_after_it(runner, shopper, make_product):
    order = paid(shopper, make_product)

    first = refund_line(runner.invoke(args=["refund", order.number, "--amount", "5"]))
    second = refund_line(runner.invoke(args=["refund", order.number, "--amount", "5"]))

    assert first == (f"$5.00 of order {order.number}, succeeded ($20.00 left to refund).",
                     f"Order {order.number} is now partially_refunded.")
    assert second[0] == f"$5.00 of order {order.number}, succeeded ($15.00 left to refund)."


def test_refunding_all_that_is_left_reports_nothing_left(runner, shopper, make_product):
    order = paid(shopper, make_product)

    result = runner.invoke(args=["refund", order.number])

    assert refund_line(result) == (
        f"$25.00 of order {order.number}, succeeded ($0.00 left to refund).",
        f"Order {order.number} is now refunded.",
    )


def test_a_pending_refund_counts_as_taken_as_stripe_counts_it(runner, shopper, make_product):
    order = paid(shopper, make_product, "pm_card_pendingRefund")

    result = runner.invoke(args=["refund", order.number, "--amount", "10"])

    assert refund_line(result)[0] == (f"$10.00 of order {order.number}, pending ($15.00 left to"
                                      " refund).")


def test_a_dry_run_still_says_what_is_left_before(runner, shopper, make_product):
    order = paid(shopper, make_product)
    result = runner.invoke(args=["refund", order.number, "--amount", "5", "--dry-run"])
    assert result.output == (f"Would refund $5.00 of order {order.number} ($25.00 left to"
                             " refund), reason: none. Nothing was changed.\n")
