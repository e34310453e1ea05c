"""The layout every journey relies on: landmarks, skip link, language switch, phone menu."""

from playwright.sync_api import expect

from tests.e2e.conftest import JOURNEY, check_accessibility, snapshot

pytestmark = JOURNEY


def test_a_visitor_sees_the_home_page_with_landmarks_and_a_skip_link(visit, page):
    visit("/", "home")
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()


def test_a_visitor_switches_to_bahasa_indonesia(page, live_server, size):
    page.goto(live_server.url + "/")
    page.get_by_label("Language").select_option("id")
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    check_accessibility(page, label="home in Indonesian")
    snapshot(page, "home-id", size)
