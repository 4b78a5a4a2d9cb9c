"""Forms fuzzed with hypothesis: never a 500, and invalid input changes nothing."""

from hypothesis import example, given
from hypothesis import strategies as st

from tests.payments_support import reload
from tests.security.fuzzing import ANY_TEXT, FORM_VALUE, FUZZ, NO_DIGITS
from tests.security.world import state

INVALID_QUANTITY = st.one_of(
    st.integers(max_value=0).map(str), st.integers(min_value=1000).map(str), NO_DIGITS
)


def has_nul(*values: str) -> bool:
    """NUL characters are refused (400) before any view runs."""
    return any("\x00" in value for value in values)


def answered(status: int, *values: str) -> int:
    return 400 if has_nul(*values) else status


def cart_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session.get("cart") or {})


def signed_in_user(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


def not_this_id(product_id: int):
    """Any form value but one the shop would read as `product_id`."""
    def reads_as(value: str) -> bool:
        return value.isascii() and value.isdigit() and int(value) == product_id

    return FORM_VALUE.filter(lambda value: not reads_as(value))


@FUZZ
@given(product_id=FORM_VALUE, quantity=FORM_VALUE)
@example(product_id="²", quantity="1")  # a digit to str.isdigit(), not to int()
@example(product_id="1", quantity="9" * 5000)
def test_cart_add_never_fails(world, product_id, quantity):
    client = world.clients["anonymous"]
    cart = cart_of(client)
    response = client.post("/cart/add", data={"product_id": product_id, "quantity": quantity})
    if has_nul(product_id, quantity) or response.status_code != 400:
        assert response.status_code == answered(302, product_id, quantity)
    else:  # refused on the product's page, beside its quantity box, adding nothing
        assert b'id="quantity-error"' in response.data and cart_of(client) == cart
        assert len(response.data) < 20_000  # what was typed comes back cut short


@FUZZ
@given(data=st.data())
def test_invalid_cart_adds_change_nothing(world, stripe_api, data):
    product = world.product
    valid_product = st.just(str(product.id))
    product_id, quantity = data.draw(st.one_of(
        st.tuples(valid_product, INVALID_QUANTITY),
        st.tuples(not_this_id(product.id), st.sampled_from(["1", "2"])),
    ))
    client = world.clients["anonymous"]
    cart, before = cart_of(client), state(stripe_api)
    client.post("/cart/add", data={"product_id": product_id, "quantity": quantity})
    assert cart_of(client) == cart and state(stripe_api) == before


@FUZZ
@given(quantity=st.one_of(INVALID_QUANTITY, FORM_VALUE), product_id=st.integers(0, 2**40))
def test_cart_update_never_fails_and_invalid_changes_nothing(
    world, stripe_api, quantity, product_id
):
    client = world.clients["owner"]
    client.post("/cart/add", data={"product_id": world.product.id, "quantity": 1})
    cart, before = cart_of(client), state(stripe_api)
    response = client.post(f"/cart/{product_id}/update", data={"quantity": quantity})
    if product_id == world.product.id and not has_nul(quantity):
        if response.status_code == 302:  # a line in the cart, changed to what was typed
            assert cart_of(client) == {str(product_id): int(quantity)}
        else:  # refused beside the line, which stays as it was
            assert response.status_code == 400 and cart_of(client) == cart
    else:  # nothing in the cart to show a refusal beside: a message, sent back
        assert response.status_code == answered(302, quantity)
        assert cart_of(client) == cart
    assert state(stripe_api) == before


@FUZZ
@given(
    email=st.one_of(NO_DIGITS.filter(lambda s: "@" not in s), ANY_TEXT),
    version=ANY_TEXT.filter(bool),
)
def test_checkout_never_fails_and_a_bad_form_places_nothing(world, stripe_api, email, version):
    client = world.clients["anonymous"]
    client.post("/cart/add", data={"product_id": world.product.id, "quantity": 1})
    before = state(stripe_api)
    response = client.post("/checkout", data={"email": email, "cart_version": version})
    # A bad email comes back on the form (400); a cart version never shown, to the cart.
    assert response.status_code in {answered(302, email, version), answered(400, email)}
    # Either field wrong (no @ in the email, or a cart version that was never shown):
    assert "/pay" not in response.headers.get("Location", "")
    assert state(stripe_api) == before


@FUZZ
@given(email=FORM_VALUE, password=FORM_VALUE, next_url=ANY_TEXT)
def test_login_never_fails_and_wrong_credentials_sign_nobody_in(world, email, password, next_url):
    client = world.clients["anonymous"]
    response = client.post(
        "/auth/login", query_string={"next": next_url},
        data={"email": email, "password": password},
    )
    assert response.status_code == answered(200, email, password, next_url)
    assert signed_in_user(client) is None


@FUZZ
@given(name=FORM_VALUE, email=FORM_VALUE, password=FORM_VALUE, confirm=FORM_VALUE)
def test_register_never_fails_and_invalid_forms_create_nobody(
    world, stripe_api, name, email, password, confirm
):
    client = world.clients["anonymous"]
    before = state(stripe_api)
    response = client.post(
        "/auth/register",
        data={"name": name, "email": email, "password": password, "confirm": confirm},
    )
    if has_nul(name, email, password, confirm):
        assert response.status_code == 400 and state(stripe_api) == before
        return
    assert response.status_code in (200, 302)
    if password != confirm or len(password) < 8 or "@" not in email:
        assert response.status_code == 200 and state(stripe_api) == before
    else:
        client.post("/auth/logout")


INVALID_AMOUNT = st.one_of(
    NO_DIGITS,
    st.integers(max_value=0).map(str),
    st.integers(min_value=26).map(lambda n: f"{n}.00"),  # more than the $25 order
    st.integers(1, 24).map(lambda n: f"{n}.005"),  # a fraction of a cent
    st.integers(1, 24).map(lambda n: f"-{n}"),
)


@FUZZ
@given(amount=st.one_of(INVALID_AMOUNT, FORM_VALUE), reason=FORM_VALUE, key=FORM_VALUE)
def test_refund_amount_never_fails_and_invalid_refunds_nothing(
    paid_world, stripe_api, amount, reason, key
):
    world = paid_world
    before = state(stripe_api)
    left = reload(world.user_order).refundable_minor  # as the admin's page shows it
    response = world.clients["admin"].post(
        f"/admin/orders/{world.user_order.number}/refund",
        data={"amount": amount, "reason": reason, "request_key": key, "left_seen": str(left),
              "confirmed": "yes"},
    )
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert state(stripe_api) == before


FILTERS = st.fixed_dictionaries(
    {},
    optional={
        name: FORM_VALUE
        for name in ("q", "status", "payment", "date_from", "date_to", "dispute", "after",
                     "before", "type")
    },
)


@FUZZ
@given(params=FILTERS, path=st.sampled_from(["/admin/orders", "/admin/orders.csv",
                                             "/admin/events"]))
def test_admin_filters_never_fail(world, stripe_api, params, path):
    before = state(stripe_api)
    response = world.clients["admin"].get(path, query_string=params)
    assert response.status_code == answered(200, *params.values())
    response.get_data()  # the CSV streams: read it all
    assert state(stripe_api) == before
