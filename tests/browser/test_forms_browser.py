"""Forms sent back with errors, as a keyboard and screen-reader user meets them."""

from playwright.sync_api import expect


def test_a_refused_registration_puts_the_focus_on_the_field_to_fix(page, live_shop):
    page.goto(live_shop.url + "/auth/register")
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_accessible_description("At least 8 characters.")
    page.get_by_label("Email").fill("new@example.com")
    password.fill("short")
    page.get_by_label("Confirm password").fill("short")
    page.get_by_label("Confirm password").press("Enter")

    password = page.get_by_label("Password", exact=True)
    expect(password).to_be_focused()
    expect(password).to_have_accessible_description(
        "At least 8 characters. Use at least 8 characters.")


def test_the_first_of_several_errors_takes_the_focus(page, live_shop):
    page.goto(live_shop.url + "/auth/register")
    page.get_by_role("button", name="Register").click()  # nothing filled in

    expect(page.get_by_label("Email")).to_be_focused()
    assert [field.get_attribute("autofocus") is not None for field in (
        page.get_by_label("Name"), page.get_by_label("Email"),
        page.get_by_label("Password", exact=True), page.get_by_label("Confirm password"),
    )] == [False, True, False, False]  # one, as HTML allows
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
