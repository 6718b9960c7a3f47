"""A deal's page with the articles' and SIPRI's figures side by side, on a laptop and a phone:
the comparison is shown, the rows where the sources differ stand out, an uncertain figure says
what its "?" means, and the page never scrolls sideways (the wide table scrolls in its box)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(("viewport", "label"), [(LAPTOP, "1366"), (PHONE, "390")])
def test_the_deal_page_shows_both_sources_side_by_side(
    visitor, transactional_db, register, viewport, label
):
    page = visitor.page
    page.set_viewport_size(viewport)
    visitor.goto("/deals/s-400-2018/", screenshot=False)
    table = page.locator("table.sources-compare")
    expect(table).to_be_visible()
    # The figure, the record's, the article's and SIPRI's: the other article states none.
    expect(table.locator("thead th")).to_have_count(4)
    expect(table.locator("tr.disagree")).to_have_count(2)
    expect(table.locator("tr.disagree th").first).to_contain_text("Units ordered")
    uncertain = table.locator("abbr.uncertain").first
    expect(uncertain).to_have_attribute(
        "title", "Uncertain: the source marks this figure with a question mark."
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a {viewport['width']}px screen"
    visitor.screenshot(label)
    section = page.locator("section[aria-labelledby=deal-compared]")
    section.screenshot(path=str(visitor.screenshot(label).with_name(f"{visitor.name}-table.png")))
