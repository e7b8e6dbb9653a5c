from tests.e2e.conftest import assert_accessible


def test_home_page_renders_in_chromium_and_is_accessible(new_page, shots):
    page = new_page()
    response = page.goto("/")
    assert response.status == 200
    assert page.locator("main h1").first.is_visible()
    shots(page, "home")
    assert_accessible(page, context="home")
