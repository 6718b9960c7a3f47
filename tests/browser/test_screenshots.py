"""Every kind of page of the site at a phone's (390 px), a laptop's (1366 px) and a wide screen's
(1920 px) width, photographed into test-artifacts/screenshots/ for a person to look at, and
checked for what a reader would notice at once: a page wider than the screen, content past its
right edge, text cut off inside a table's cell, columns out of view, and on a phone tables that
are not cards."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from dashboard.models import Deal, Statement
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_layout import LAPTOP, PHONE, WIDE, cut_off, overflow
from tests.conftest import agreement_create
from tests.register_sample import make_register

pytestmark = pytest.mark.browser

WIDTHS = [PHONE, LAPTOP, WIDE]
FIRST_STATEMENT = "<first statement>"
DEAL_ADMIN = "<the S-400 deal's change form>"

# (path, status): one page of each kind on the articles' data.
PAGES = [
    pytest.param("/", 200, id="overview"),
    pytest.param("/deals/", 200, id="deal-list"),
    pytest.param("/deals/s-400-2018/", 200, id="deal-detail"),
    pytest.param("/statements/", 200, id="statement-list"),
    pytest.param(f"/statements/{FIRST_STATEMENT}/", 200, id="statement-detail"),
    pytest.param("/platforms/", 200, id="platform-list"),
    pytest.param("/platforms/s-400-triumf/", 200, id="platform-detail"),
    pytest.param("/parties/", 200, id="party-list"),
    pytest.param("/parties/IN/", 200, id="party-detail"),
    pytest.param("/ties/", 200, id="pair-list"),
    pytest.param("/ties/IN/RU/", 200, id="pair"),
    pytest.param("/sources/", 200, id="source-list"),
    pytest.param("/sources/ians-alipov-interview-2025-05/", 200, id="source-detail"),
    pytest.param("/people/", 200, id="person-list"),
    pytest.param("/people/denis-alipov/", 200, id="person-detail"),
    pytest.param("/search/?q=S400", 200, id="search"),
    pytest.param("/engagements/", 200, id="engagement-list"),
    pytest.param(
        "/engagements/irigc-m-mtc-working-group-military-cooperation-5/",
        200,
        id="engagement-detail",
    ),
    pytest.param("/standing-bodies/", 200, id="standingbody-list"),
    pytest.param(
        "/standing-bodies/irigc-m-mtc-working-group-military-cooperation/",
        200,
        id="standingbody-detail",
    ),
    pytest.param("/agreements/", 200, id="agreement-list"),
    pytest.param("/agreements/technology-agreement-test/", 200, id="agreement-detail"),
    pytest.param("/api/docs/", 200, id="api-docs"),
    pytest.param("/accounts/login/", 200, id="login"),
    pytest.param("/deals/no-such-deal/", 404, id="not-found"),
]
ADMIN_PAGES = [
    pytest.param("/admin/", id="admin-home"),
    pytest.param("/admin/dashboard/deal/", id="admin-deal-list"),
    pytest.param(DEAL_ADMIN, id="admin-deal-form"),
    pytest.param("/admin/dashboard/load-fixtures/", id="admin-load-fixtures"),
]


def cut_cells(page) -> list[str]:
    """Table cells whose text runs past their own box (clipped, or spilling into the next)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('td, th')]
            .filter(c => c.checkVisibility() && c.scrollWidth > c.clientWidth + 1)
            .slice(0, 5)
            .map(c => (c.dataset.label || c.cellIndex) + ': ' + c.innerText.slice(0, 40))"""
    )


def hidden_columns(page) -> list[str]:
    """Headers of the records tables that sit outside the screen or outside their table's box,
    so that the reader must scroll sideways to find them."""
    return page.evaluate(
        """() => [...document.querySelectorAll('table.records thead th')]
            .filter(th => th.checkVisibility())
            .filter(th => {
                const box = th.getBoundingClientRect();
                const wrap = (th.closest('.table-wrap') || document.body).getBoundingClientRect();
                return box.right > Math.min(window.innerWidth, wrap.right) + 1;
            })
            .map(th => th.innerText.trim())"""
    )


def photograph_at_every_width(visitor, path, status=200):
    """Open `path` at each width, save its screenshot (whole, and the first screen as a reader
    sees it on opening the page), and check what a reader notices."""
    for viewport in WIDTHS:
        width = viewport["width"]
        page = visitor.page
        page.set_viewport_size(viewport)
        visitor.goto(path, status=status, screenshot=False)
        if path.startswith("/api/docs/"):
            # Swagger UI draws the operations from the schema after the page has loaded.
            expect(page.locator(".opblock").first).to_be_visible()
        visitor.screenshot(str(width))
        page.screenshot(path=str(SCREENSHOTS / f"{visitor.name}-{width}-first-screen.png"))
        assert overflow(page) == 0, f"{path} scrolls sideways at {width} px"
        assert cut_off(page) == [], f"{path} cuts content at {width} px"
        assert cut_cells(page) == [], f"{path} cuts text in a table cell at {width} px"
        if viewport is PHONE:
            assert phone_problems(page) == [], f"{path} at 390 px"
        else:
            assert hidden_columns(page) == [], f"{path} hides columns at {width} px"


def phone_problems(page) -> list[str]:
    """On a phone a table is cards: none scrolls sideways unless its page says it does (the
    sources compared), and a statement's words take the card's width, not a squeezed column."""
    problems = []
    wide = page.locator(".table-wrap:not(.scroll-hint + .table-wrap)").evaluate_all(
        "boxes => boxes.filter(b => b.scrollWidth > b.clientWidth + 1).length"
    )
    if wide:
        problems.append(f"{wide} table(s) scroll sideways")
    words = page.locator("table.statements td[data-label=Words]").evaluate_all(
        "cells => cells.map(c => c.getBoundingClientRect().width)"
    )
    if any(width <= 0.8 * PHONE["width"] for width in words):
        problems.append(f"statements' words squeezed: {words}")
    return problems


@pytest.fixture
def site(browser_data):
    """The articles' data, with an agreement (the articles name none) so that its pages have
    one to show."""
    agreement_create()


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize(("path", "status"), PAGES)
def test_page_at_every_width(visitor, path, status):
    path = path.replace(FIRST_STATEMENT, Statement.objects.order_by("slug").first().slug)
    photograph_at_every_width(visitor, path, status)


@pytest.mark.parametrize("group", ["supplier", "recipient", "year", "category"])
def test_transfers_at_every_width(visitor, transactional_db, group):
    make_register()
    photograph_at_every_width(visitor, f"/transfers/?group={group}")


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_page_at_every_width(visitor, path):
    get_user_model().objects.create_superuser("shots-admin", "a@example.org", "a-long-password-1")
    page = visitor.page
    page.goto(visitor.url("/admin/login/"))
    page.get_by_label("Username").fill("shots-admin")
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    deal = Deal.objects.get(slug="s-400-2018")
    photograph_at_every_width(
        visitor, path.replace(DEAL_ADMIN, f"/admin/dashboard/deal/{deal.pk}/change/")
    )
