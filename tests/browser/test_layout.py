"""The lists' layout on a phone (390 px), a laptop (1366 px) and a wide screen (1920 px): the key
columns in view, the filter panel, the chips of the filters set, the admin's menu. Whether every
page fits the screen at each width is test_screenshots.py's check, with these helpers."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("browser_data")]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
WIDE = {"width": 1920, "height": 1080}
WIDTHS = [
    pytest.param(PHONE, id="390"),
    pytest.param(LAPTOP, id="1366"),
    pytest.param(WIDE, id="1920"),
]

# What an analyst reads first in the deals table.
KEY_COLUMNS = ["Title", "Buyer", "Seller", "Platform", "Stage", "Units", "Value", "Signed"]


def overflow(page) -> int:
    """How many pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def cut_off(page) -> list[str]:
    """Elements (of the main content) that reach past the screen's right edge, other than those
    inside a box that scrolls sideways (a wide table's, which its page allows)."""
    return page.evaluate(
        """() => {
          const inScroller = e => {
            for (let box = e.parentElement; box; box = box.parentElement) {
              if (['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) return true;
            }
            return false;
          };
          return [...document.querySelectorAll('main *, #content *')]
            .filter(e => e.checkVisibility()
                    && e.getBoundingClientRect().right > window.innerWidth + 1
                    && !e.closest('.visually-hidden, thead') && !inScroller(e))
            .slice(0, 5)
            .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40));
        }"""
    )


@pytest.mark.parametrize("viewport", [LAPTOP, WIDE], ids=["1366", "1920"])
def test_key_columns_are_in_view(visitor, viewport):
    page = visitor.page
    page.set_viewport_size(viewport)
    visitor.goto("/deals/", screenshot=False)

    table = page.locator(".table-wrap").first
    assert table.evaluate("box => box.scrollWidth <= box.clientWidth"), "the table scrolls"
    for header in KEY_COLUMNS:
        box = page.locator("table.records th", has_text=re.compile(f"^{header}")).first
        right = box.evaluate("th => th.getBoundingClientRect().right")
        assert right <= viewport["width"], f"{header} is off-screen at {viewport['width']} px"
    # A stated value is never broken across lines: its first line holds the whole figure
    # (the line under it gives the value in constant dollars).
    values = page.locator("table.records td[data-label=Value]").evaluate_all(
        "cells => cells.map(c => c.innerText.trim().split('\\n')[0])"
    )
    assert values and all(re.fullmatch(r"[A-Z]{3} [0-9,]+|—", v) for v in values), values
    # The list uses the width: the table reaches to within the page's padding of the edge.
    right = table.evaluate("box => box.getBoundingClientRect().right")
    assert right > viewport["width"] - 40


def test_filter_panel_opens_and_closes_on_a_phone(visitor):
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.goto("/deals/", screenshot=False)
    form = page.get_by_role("form", name="Filters")
    first_row = page.locator("table.records tbody tr").first

    expect(form).to_be_hidden()
    # The results come first on the first screen.
    assert first_row.evaluate("row => row.getBoundingClientRect().top") < PHONE["height"]

    page.locator("details.filter-panel > summary").click()
    expect(form).to_be_visible()
    visitor.screenshot("open")
    page.locator("details.filter-panel > summary").click()
    expect(form).to_be_hidden()


def test_filter_panel_stands_open_on_a_wide_screen(visitor):
    visitor.page.set_viewport_size(LAPTOP)
    visitor.goto("/deals/", screenshot=False)
    expect(visitor.page.get_by_role("form", name="Filters")).to_be_visible()


def test_chips_remove_their_filters(visitor):
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    # A pair page's link: "Either party: India" in the form, and a hidden counterpart.
    visitor.goto("/deals/?party=IN&counterpart=RU&stage=signed", screenshot=False)
    chips = page.locator("ul.chips a.chip")
    expect(chips).to_have_count(3)
    expect(chips.filter(has_text="And either party: Russia")).to_have_count(1)
    visitor.screenshot("chips")

    chips.filter(has_text="And either party").click()
    expect(page).to_have_url(re.compile(r"/deals/\?party=IN&stage=signed$"))
    expect(chips).to_have_count(2)

    chips.filter(has_text="Stage:").click()
    expect(page).to_have_url(re.compile(r"/deals/\?party=IN$"))
    expect(chips).to_have_count(1)
    chips.filter(has_text="Either party:").click()
    expect(page).to_have_url(re.compile(r"/deals/$"))
    expect(page.locator("ul.chips")).to_have_count(0)


def test_submitted_form_gives_a_clean_address(visitor):
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.goto("/deals/", screenshot=False)
    page.get_by_label(re.compile("^Buyer")).select_option("IN")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"/deals/\?buyer=IN$"))


def test_column_chooser_shows_the_columns_chosen(visitor):
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.goto("/deals/", screenshot=False)
    page.locator(".column-chooser > summary").click()
    page.get_by_role("checkbox", name="Condition").check()
    page.get_by_role("checkbox", name="Units", exact=True).uncheck()
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url(re.compile(r"col=condition"))

    headers = page.locator("table.records thead th").all_inner_texts()
    assert "Condition" in [h.strip() for h in headers]
    assert "Units" not in [h.strip() for h in headers]


@pytest.fixture
def editor(visitor, live_server):
    get_user_model().objects.create_superuser("layout-admin", "a@example.org", "a-long-password-1")
    page = visitor.page
    page.goto(visitor.url("/admin/login/"))
    page.get_by_label("Username").fill("layout-admin")
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    return visitor


@pytest.mark.parametrize("viewport", WIDTHS)
@pytest.mark.parametrize("path", ["/admin/", "/admin/dashboard/load-fixtures/"])
def test_admin_fits_the_screen(editor, path, viewport):
    page = editor.page
    page.set_viewport_size(viewport)
    editor.goto(path, screenshot=False)
    editor.screenshot(str(viewport["width"]))

    assert overflow(page) == 0, f"{path} scrolls sideways at {viewport['width']} px"
    # "Load fixtures" reads as words, not one letter a line.
    link = page.get_by_text("Load fixtures", exact=True).last
    height = link.evaluate("a => a.getBoundingClientRect().height")
    line = link.evaluate("a => parseFloat(getComputedStyle(a).lineHeight) || 20")
    assert height <= 2.5 * line, (
        f"'Load fixtures' is {height:.0f} px tall at {viewport['width']} px"
    )
