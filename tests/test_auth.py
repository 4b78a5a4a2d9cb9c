import re
import threading
from html import unescape
from urllib.parse import unquote

import pytest

from shop.auth import devices
from shop.config import load_config
from shop.extensions import db
from shop.models import User
from shop.services import accounts


def register(client, email="new@example.com", password="s3cret-pass", confirm=None, **kw):
    return client.post(
        "/auth/register" + kw.get("query", ""),
        data={"name": "New", "email": email, "password": password, "confirm": confirm or password},
    )


# The shop's own hashing, not the one-round method the other tests use.
@pytest.mark.parametrize(
    "app_config", [{"PASSWORD_HASH_METHOD": load_config()["PASSWORD_HASH_METHOD"]}]
)
def test_register_logs_in_and_hashes_the_password(client):
    response = register(client)
    assert response.status_code == 302
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.email == "new@example.com"
    assert user.password_hash.startswith("scrypt:")
    assert "s3cret-pass" not in user.password_hash
    assert user.check_password("s3cret-pass")
    assert b"Log out" in client.get("/").data


def test_the_register_page_is_titled_as_its_heading(client):
    page = text_of(client.get("/auth/register"))
    assert page.startswith("Create an account · Corner Shop")
    assert "Create an account Name Email" in page  # the heading, then the form


def test_duplicate_email_in_another_case_is_refused(client, make_user):
    make_user(email="taken@example.com")
    response = register(client, email="TAKEN@Example.com")
    assert response.status_code == 200
    assert b"already exists" in response.data
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 1


# "é" as one character, and as "e" followed by a combining acute accent.
COMPOSED, DECOMPOSED = "ren\u00e9@example.com", "rene\u0301@example.com"


def test_an_address_typed_with_its_accent_apart_is_the_same_address(client, auth):
    assert register(client, email=COMPOSED).status_code == 302
    auth.logout()

    response = register(client, email=DECOMPOSED.upper())

    assert b"already exists" in response.data
    assert db.session.execute(db.select(User.email)).scalars().all() == [COMPOSED]
    assert auth.login(DECOMPOSED, "s3cret-pass").status_code == 302
    assert b"Log out" in client.get("/").data


def test_a_double_submitted_sign_up_makes_one_account_and_says_so(client, monkeypatch):
    checked = accounts.find_by_email

    def first_request_lands_meanwhile(email):
        found = checked(email)
        # The first click's request commits its account after this one's check.
        with db.engine.begin() as other_request:
            other_request.execute(
                db.insert(User).values(email="new@example.com", password_hash="first-click")
            )
        return found

    monkeypatch.setattr(accounts, "find_by_email", first_request_lands_meanwhile)

    response = register(client)

    assert response.status_code == 200
    assert "An account with that email already exists." in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 1


def field_errors(page) -> dict[str, str]:
    html = unescape(page.get_data(as_text=True))
    return dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', html))


def text_of(page) -> str:
    """The page's words, as a person reads them."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", page.get_data(as_text=True))).split())


def test_register_validates_input(client):
    page = register(client, email="not-an-email", password="short", confirm="other")
    assert page.status_code == 200
    assert field_errors(page) == {
        "email": "Enter an email address like name@example.com.",
        "password": "Use at least 8 characters.",
        "confirm": "The passwords do not match.",
    }
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 0


def test_forms_sent_empty_say_what_to_type(client):
    assert field_errors(register(client, email="", password="")) == {
        "email": "Enter your email address.",
        "password": "Choose a password.",
        "confirm": "Enter the password again.",
    }
    assert field_errors(client.post("/auth/login", data={"email": "", "password": ""})) == {
        "email": "Enter your email address.",
        "password": "Enter your password.",
    }


def test_login_and_logout(client, auth, make_user):
    make_user(email="ann@example.com", password="right-password")
    assert auth.login("ANN@example.com", "right-password").status_code == 302
    assert b"Log out" in client.get("/").data
    auth.logout()
    assert b"Log in" in client.get("/").data


def test_logging_in_and_out_is_told_in_the_menus_words(client, auth, make_user):
    make_user(email="ann@example.com", password="right-password")
    auth.login("ann@example.com", "right-password")
    assert "You are logged in." in text_of(client.get("/"))
    auth.logout()
    assert "You are logged out." in text_of(client.get("/"))


def test_signing_out_leaves_nothing_of_the_visit_behind(client, auth, make_user, make_product):
    make_user(email="ann@example.com", password="right-password")
    mug, cup = make_product(name="Mug"), make_product(name="Cup")
    client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    placed = client.post("/checkout", data={"email": "ann@example.com"})
    guest_order = placed.headers["Location"].removesuffix("/pay")
    assert client.get(guest_order).status_code == 200
    auth.login("ann@example.com", "right-password")
    client.post("/cart/add", data={"product_id": cup.id, "quantity": 1})

    auth.logout()

    assert client.get(guest_order).status_code == 404
    assert b"Your cart is empty" in client.get("/cart/").data


def test_signing_out_ends_copies_of_the_session_too(app, client, auth, make_user):
    make_user(email="ann@example.com", password="right-password")
    auth.login("ann@example.com", "right-password")
    name = app.config["SESSION_COOKIE_NAME"]
    copy = app.test_client()  # someone who copied the cookie while Ann was signed in
    copy.set_cookie(name, client.get_cookie(name).value)
    assert copy.get("/account/cards").status_code == 200

    auth.logout()

    assert copy.get("/account/cards").status_code == 302  # to the sign-in page
    assert b"Log out" not in copy.get("/").data
    auth.login("ann@example.com", "right-password")  # signing in again works as before
    assert client.get("/account/cards").status_code == 200


def test_a_session_signed_in_before_epochs_were_kept_still_works(app, client, make_user):
    ann = make_user(email="ann@example.com", password="right-password")
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(ann.id), True  # the id alone
    assert client.get("/account/cards").status_code == 200


def test_wrong_password_is_refused(client, auth, make_user):
    make_user(email="ann@example.com", password="right-password")
    page = auth.login("ann@example.com", "wrong-password")
    assert page.status_code == 200 and b"Wrong email or password." in page.data
    assert b"Log out" not in client.get("/").data


def test_an_unknown_address_takes_a_password_check_like_a_known_one(auth, make_user,
                                                                      monkeypatch):
    # Answering an unknown address at once would tell, by the time taken, who has an
    # account: both answers must check a password hash.
    checked = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda stored, password: checked.append(stored) or real_check(
                            stored, password))
    page = auth.login("nobody@example.com", "some-password")
    assert page.status_code == 200 and b"Wrong email or password." in page.data
    [stored] = checked
    # A real hash, made as an account's is, so checking it costs as much.
    account = make_user(email="ann@example.com", password="right-password")
    assert stored.split("$")[0] == account.password_hash.split("$")[0]


def test_logout_needs_post(client, auth, make_user):
    make_user(email="ann@example.com", password="right-password")
    auth.login("ann@example.com", "right-password")
    assert client.get("/auth/logout").status_code == 405
    assert b"Log out" in client.get("/").data


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/%0D%0ASet-Cookie:%20session=planted",  # CR LF, once the query is decoded
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
    ],
)
def test_next_never_leaves_the_site(auth, make_user, unsafe):
    make_user(email="ann@example.com", password="right-password")
    response = auth.login("ann@example.com", "right-password", next_url=unsafe)
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(auth, make_user):
    make_user(email="ann@example.com", password="right-password")
    response = auth.login("ann@example.com", "right-password", next_url="/cart/")
    assert response.headers["Location"] == "/cart/"


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3/minute"}]
)
def test_login_is_rate_limited(client, auth, make_user):
    make_user(email="ann@example.com", password="right-password")
    codes = [auth.login("ann@example.com", "wrong").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert auth.login("ann@example.com", "right-password").status_code == 429


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3/minute"}]
)
def test_signing_in_to_ones_own_account_buys_no_more_guesses_from_that_address(
        client, auth, make_user):
    # Only the account's own count is given back after a sign-in that works: were the
    # address's given back too, a guesser could sign in to an account of their own
    # between guesses at someone else's and never run out.
    make_user(email="ann@example.com", password="right-password")
    make_user(email="mallory@example.com", password="mallorys-password")
    assert [auth.login("ann@example.com", f"guess-{n}").status_code for n in range(2)] == [
        200, 200]
    assert auth.login("mallory@example.com", "mallorys-password").status_code == 302
    auth.logout()
    assert auth.login("ann@example.com", "guess-3").status_code == 429


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2/minute"}]
)
def test_too_many_attempts_come_back_as_the_form_with_what_was_typed_and_why(client):
    for _ in range(2):
        client.post("/auth/login", data={"email": "ann@example.com", "password": "guess"})
    refused = client.post("/auth/login", data={"email": "ann@example.com", "password": "guess"})
    assert refused.status_code == 429
    page = text_of(refused)
    assert page.startswith("Error: Log in")
    assert ("Too many attempts to log in from here. Please wait a few minutes and try again."
            in page)
    assert "per 1 minute" not in page and "Too Many Requests" not in page
    html = refused.get_data(as_text=True)
    assert 'value="ann@example.com"' in html and 'value="guess"' not in html

    for _ in range(2):
        register(client, email="bob@example.com")
    refused = register(client, email="bob@example.com")
    assert refused.status_code == 429
    page = text_of(refused)
    assert page.startswith("Error: Create an account")
    assert ("Too many attempts to create an account from here. Please wait a few minutes"
            in page)
    assert 'value="bob@example.com"' in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "ACCOUNT_LOGIN_RATE_LIMIT": "3/hour"}]
)
def test_guessing_one_accounts_password_from_many_addresses_is_stopped(client, make_user):
    make_user(email="ann@example.com", password="right-password")
    make_user(email="bob@example.com", password="bobs-password")

    def sign_in(email, password, address):
        return client.post("/auth/login", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": address})

    codes = [sign_in(" ANN@example.com", f"guess-{n}", f"198.51.100.{n}").status_code
             for n in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = sign_in("ann@example.com", "right-password", "192.0.2.50")
    assert refused.status_code == 429
    assert "Too many failed attempts to log in to this account." in refused.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # Other accounts, and their owners' sign-ins, are not held up.
    assert sign_in("bob@example.com", "bobs-password", "198.51.100.1").status_code == 302


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "ACCOUNT_LOGIN_RATE_LIMIT": "5/hour"}]
)
def test_guesses_sent_all_at_once_check_no_more_passwords_than_the_limit(app, make_user):
    make_user(email="ann@example.com", password="right-password")
    start = threading.Barrier(40)
    answers = []

    def guess(n):
        with app.test_client() as guesser:
            start.wait()
            answers.append(guesser.post(
                "/auth/login", data={"email": "ann@example.com", "password": f"guess-{n}"},
                environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code)

    guessers = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in guessers:
        thread.start()
    for thread in guessers:
        thread.join()

    assert sorted(answers) == [200] * 5 + [429] * 35  # five passwords checked, no more
    with app.test_client() as owner:
        refused = owner.post("/auth/login", data={"email": "ann@example.com",
                                                  "password": "right-password"},
                             environ_base={"REMOTE_ADDR": "192.0.2.50"})
    assert refused.status_code == 429


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "ACCOUNT_LOGIN_RATE_LIMIT": "2/hour"}]
)
def test_successful_sign_ins_do_not_count_against_the_account(client, auth, make_user):
    make_user(email="ann@example.com", password="right-password")
    for _ in range(3):
        assert auth.login("ann@example.com", "right-password").status_code == 302
        auth.logout()
    assert auth.login("ann@example.com", "wrong").status_code == 200


def test_a_browser_remembers_the_last_few_accounts_signed_in_from_it(app, client, make_user):
    users = [make_user(email=f"user{n}@example.com", password="right-password")
             for n in range(7)]
    for user in users:
        client.post("/auth/login", data={"email": user.email, "password": "right-password"})
        client.post("/auth/logout")
    cookie = client.get_cookie("known_device", path="/auth").value
    with app.test_request_context(headers={"Cookie": f"known_device={cookie}"}):
        known = [devices.device_of(user) for user in users]
    assert known[:2] == [None, None] and len(set(known[2:])) == 1 and known[2]
    assert "user6" not in unquote(cookie) and "example.com" not in unquote(cookie)


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "ACCOUNT_LOGIN_RATE_LIMIT": "3/hour"}]
)
def test_a_browser_that_signed_in_before_is_not_locked_out_by_strangers(app, make_user):
    make_user(email="boss@example.com", password="right-password")
    own_laptop = app.test_client()
    assert sign_in_as_boss(own_laptop, "right-password", "192.0.2.10").status_code == 302
    own_laptop.post("/auth/logout")  # the session ends; the browser is still known
    stranger = app.test_client()
    codes = [sign_in_as_boss(stranger, f"guess-{n}", f"198.51.100.{n}").status_code
             for n in range(4)]
    assert codes == [200, 200, 200, 429]

    assert sign_in_as_boss(own_laptop, "right-password", "192.0.2.10").status_code == 302
    new_browser = app.test_client()  # the owner elsewhere waits, as a stranger does
    assert sign_in_as_boss(new_browser, "right-password", "192.0.2.11").status_code == 429


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "ACCOUNT_LOGIN_RATE_LIMIT": "3/hour"}]
)
def test_a_copied_known_device_cookie_buys_a_guesser_nothing(app, make_user):
    boss = make_user(email="boss@example.com", password="right-password")
    laptop = app.test_client()
    assert sign_in_as_boss(laptop, "right-password", "192.0.2.10").status_code == 302
    cookie = laptop.get_cookie("known_device", path="/auth").value
    guessers = []
    for n in range(4):  # many clients replaying the one cookie share its count
        guesser = app.test_client()
        guesser.set_cookie("known_device", cookie, path="/auth")
        guessers.append(sign_in_as_boss(guesser, f"guess-{n}", f"203.0.113.{n}").status_code)
    assert guessers == [200, 200, 200, 429]

    accounts.make_admin(boss.email, "a-new-password")  # the password is changed
    db.session.commit()
    stranger = app.test_client()
    for n in range(3):
        sign_in_as_boss(stranger, f"guess-{n}", f"198.51.100.{n}")
    # The old cookie no longer marks a known browser: it waits with the strangers.
    assert sign_in_as_boss(laptop, "a-new-password", "192.0.2.10").status_code == 429


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "ACCOUNT_LOGIN_RATE_LIMIT": "3/hour"}]
)
def test_a_new_password_makes_a_known_browser_a_stranger_again(app, make_user):
    boss = make_user(email="boss@example.com", password="right-password")
    laptop = app.test_client()
    assert sign_in_as_boss(laptop, "right-password", "192.0.2.10").status_code == 302
    laptop.post("/auth/logout")

    accounts.make_admin(boss.email, "a-new-password")  # the password is changed
    db.session.commit()
    stranger = app.test_client()
    codes = [sign_in_as_boss(stranger, f"guess-{n}", f"198.51.100.{n}").status_code
             for n in range(4)]
    assert codes == [200, 200, 200, 429]
    # Whoever had the old password and this browser's cookie waits with the strangers.
    assert sign_in_as_boss(laptop, "a-new-password", "192.0.2.10").status_code == 429


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "ACCOUNT_LOGIN_RATE_LIMIT": "3/hour"}]
)
def test_each_known_browser_counts_its_own_failed_sign_ins(app, make_user):
    make_user(email="boss@example.com", password="right-password")
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        assert sign_in_as_boss(browser, "right-password", "192.0.2.10").status_code == 302
        browser.post("/auth/logout")
    codes = [sign_in_as_boss(laptop, f"typo-{n}", "192.0.2.10").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]

    assert sign_in_as_boss(phone, "right-password", "192.0.2.10").status_code == 302


def sign_in_as_boss(client, password, address):
    return client.post("/auth/login", data={"email": "boss@example.com", "password": password},
                       environ_base={"REMOTE_ADDR": address})


def header_link(page, name: str) -> str:
    html = page.get_data(as_text=True)
    return unescape(re.search(rf'<a href="([^"]*)">{name}</a>', html).group(1))


def test_logging_in_from_a_page_comes_back_to_it(client, make_user, make_product):
    make_user(email="ann@example.com", password="right-password")
    mug = make_product(name="Mug")
    client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})

    log_in = header_link(client.get("/cart/"), "Log in")
    assert log_in == "/auth/login?next=%2Fcart%2F"
    refused = client.post(log_in, data={"email": "ann@example.com", "password": "wrong"})
    assert header_link(refused, "Log in") == log_in  # still on the way back to the cart
    signed_in = client.post(log_in, data={"email": "ann@example.com",
                                          "password": "right-password"})
    assert signed_in.headers["Location"] == "/cart/"


def test_registering_from_a_page_comes_back_to_it(client, make_product):
    mug = make_product(name="Mug")
    register_here = header_link(client.get(f"/products/{mug.slug}?ref=x"), "Register")
    assert register_here == f"/auth/register?next=%2Fproducts%2F{mug.slug}%3Fref%3Dx"
    created = register(client, query=register_here.removeprefix("/auth/register"))
    assert created.headers["Location"] == f"/products/{mug.slug}?ref=x"


def test_the_way_back_stays_on_the_site_and_under_its_mount_point(client, make_product):
    mug = make_product(name="Mug")
    mounted = client.get(f"/products/{mug.slug}", base_url="http://localhost/shop")
    assert header_link(mounted, "Log in") == (
        f"/shop/auth/login?next=%2Fshop%2Fproducts%2F{mug.slug}")
    # A path browsers would read as another site's ("//host/x") is not offered as it is.
    doubled = client.get("/", environ_overrides={"PATH_INFO": "//evil.example/x"})
    assert header_link(doubled, "Log in") == "/auth/login?next=%2Fevil.example%2Fx"
    # From the home page, where logging in goes anyway, the links name no page.
    assert header_link(client.get("/"), "Log in") == "/auth/login"
    # A form sent back with errors (the cart's checkout) leads back to the page it was
    # sent from, when that page is on this site.
    client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    for referrer, log_in in [("http://localhost/cart/", "/auth/login?next=%2Fcart%2F"),
                             ("http://evil.example/cart/", "/auth/login")]:
        refused = client.post("/checkout", data={"email": "nope"},
                              headers={"Referer": referrer})
        assert header_link(refused, "Log in") == log_in
