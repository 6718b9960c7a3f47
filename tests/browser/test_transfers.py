"""The transfers analysis in a real browser under the strict CSP: the transfers page at a
laptop's and a phone's width, and the party and pair pages' register charts, drawn with no
console error. Screenshots go to test-artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect

from tests.register_sample import make_register

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def register(transactional_db):
    return make_register()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
@pytest.mark.parametrize(
    "path", ["/transfers/", "/transfers/?recipient=IN&group=year", "/transfers/?fold=on"]
)
def test_transfers_page_draws_and_fits(visitor, register, viewport, path):
    page = visitor.page
    page.set_viewport_size(viewport)
    visitor.goto(path, label=f"{viewport['width']}")
    expect(page.locator("h1")).to_have_text("Transfers")
    expect(page.locator("canvas#transfers-chart")).to_have_attribute("data-chart-ready", "true")
    expect(page.locator("table.transfers tbody tr").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than the screen"


def test_clicking_a_bar_opens_that_suppliers_years(visitor, register):
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.goto("/transfers/", screenshot=False)
    box = page.locator("canvas#transfers-chart").bounding_box()
    # Russia, the first and longest bar, starts at the left of the plot area.
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.12)
    page.wait_for_url("**/transfers/?supplier=RU&group=year")
    visitor.wait_for_charts()
    # Russia delivered in 2010, 2011, 2020, 2021 and 2022.
    expect(page.locator("table.transfers tbody tr")).to_have_count(5)


@pytest.mark.parametrize("path", ["/parties/IN/", "/parties/FR/?fold=on", "/ties/IN/RU/", "/"])
def test_register_charts_on_party_pair_and_overview(visitor, register, path):
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.goto(path)
    assert page.locator("canvas.chart").count() >= 2
