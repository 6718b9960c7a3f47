"""What an analyst sees in a real browser: pages load cleanly, charts draw and lead to their
tables, filters and exports work, and hostile names stay text."""

import csv
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.models import Deal, Party, Person, Platform, Source, Statement
from dashboard.partial_dates import PartialDate
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("browser_data")]

FIRST_STATEMENT = "<first statement>"

WORKING_GROUP = "/standing-bodies/irigc-m-mtc-working-group-military-cooperation/"

# (path, what the page's main heading says, expected status)
PAGES = [
    pytest.param("/", "Defence ties at a glance", 200, id="overview"),
    pytest.param("/deals/", "Deals", 200, id="deal-list"),
    pytest.param("/statements/", "Statements", 200, id="statement-list"),
    pytest.param("/platforms/", "Platforms", 200, id="platform-list"),
    pytest.param("/parties/", "Parties", 200, id="party-list"),
    pytest.param("/sources/", "Sources", 200, id="source-list"),
    pytest.param("/people/", "People", 200, id="person-list"),
    pytest.param("/deals/s-400-2018/", "S-400 Triumf purchase", 200, id="deal-detail"),
    pytest.param(f"/statements/{FIRST_STATEMENT}/", "Statement by", 200, id="statement-detail"),
    pytest.param(
        "/sources/ians-alipov-interview-2025-05/", "Russian envoy Alipov", 200, id="source-detail"
    ),
    pytest.param("/parties/IN/", "India", 200, id="party-detail"),
    pytest.param("/platforms/s-400-triumf/", "S-400 Triumf", 200, id="platform-detail"),
    pytest.param("/people/denis-alipov/", "Denis Alipov", 200, id="person-detail"),
    pytest.param("/ties/IN/RU/", "India – Russia", 200, id="pair"),
    pytest.param("/search/?q=S-400", "S-400", 200, id="search"),
    pytest.param("/engagements/", "Engagements", 200, id="engagement-list"),
    pytest.param("/standing-bodies/", "Standing bodies", 200, id="standingbody-list"),
    pytest.param("/agreements/", "Agreements", 200, id="agreement-list"),
    pytest.param(
        "/engagements/irigc-m-mtc-working-group-military-cooperation-5/",
        "5th Meeting of the Working Group",
        200,
        id="engagement-detail",
    ),
    pytest.param(f"{WORKING_GROUP}", "Working Group on Military Cooperation", 200, id="body"),
    pytest.param("/deals/no-such-deal/", re.compile("not found", re.I), 404, id="unknown-deal"),
]
# Pages also photographed at a phone's width.
PHONE_PAGES = {"/", "/deals/", "/engagements/", WORKING_GROUP}

HOSTILE = "</script><script>alert(1)</script>"


# --- Helpers -----------------------------------------------------------------------------------


def table_rows(page):
    return page.locator("table.records tbody tr")


def column(page, header):
    """The text of every body cell under the column headed `header` in the records table."""
    return page.locator("table.records").evaluate(
        """(table, header) => {
            const heads = [...table.tHead.rows[0].cells].map(c => c.innerText.trim());
            const i = heads.indexOf(header);
            if (i < 0) throw new Error('no column ' + header + ' in ' + heads.join(', '));
            return [...table.tBodies[0].rows].map(r => r.cells[i].innerText.trim());
        }""",
        header,
    )


def drawn_charts(page):
    """For each canvas.chart: whether Chart.js owns it, its size on screen and its data."""
    return page.locator("canvas.chart").evaluate_all(
        """canvases => canvases.map(canvas => {
            const chart = Chart.getChart(canvas);
            const box = canvas.getBoundingClientRect();
            return {
                id: canvas.id,
                ready: canvas.dataset.chartReady === 'true',
                drawn: Boolean(chart),
                width: box.width,
                height: box.height,
                labels: chart ? chart.data.labels.length : 0,
                total: chart ? chart.data.datasets
                    .flatMap(ds => ds.data).reduce((a, b) => a + Number(b || 0), 0) : 0,
                elements: chart ? chart.getDatasetMeta(0).data.length : 0,
            };
        })"""
    )


def assert_all_drawn(page):
    charts = drawn_charts(page)
    for chart in charts:
        assert chart["ready"] and chart["drawn"], f"chart {chart['id']} was not drawn: {chart}"
        assert chart["width"] > 0 and chart["height"] > 0, f"chart {chart['id']} has no size"
        assert chart["labels"] > 0 and chart["elements"] > 0, f"chart {chart['id']} is empty"
        assert chart["total"] > 0, f"chart {chart['id']} shows only zeros: {chart}"
    return charts


# --- 1. Every page loads cleanly ---------------------------------------------------------------


@pytest.mark.parametrize(("path", "heading", "status"), PAGES)
def test_page_loads_without_errors(visitor, path, heading, status):
    if FIRST_STATEMENT in path:
        path = path.replace(FIRST_STATEMENT, Statement.objects.first().slug)
    page = visitor.page

    visitor.goto(path, status=status)

    expect(page.locator("h1").first).to_contain_text(heading)
    expect(page.locator("header.topbar")).to_be_visible()
    assert page.title().strip(), f"{path} has no <title>"
    if path in PHONE_PAGES:
        page.set_viewport_size(PHONE)
        visitor.wait_for_charts()
        visitor.screenshot("phone")


@pytest.mark.parametrize(
    ("path", "viewport"),
    [
        pytest.param("/", PHONE, id="overview-phone"),
        pytest.param("/deals/", PHONE, id="deal-list-phone"),
        pytest.param("/deals/", DESKTOP, id="deal-list-desktop"),
        pytest.param("/engagements/", PHONE, id="engagement-list-phone"),
        pytest.param(WORKING_GROUP, PHONE, id="standing-body-phone"),
        pytest.param("/ties/IN/RU/?timeline=engagement", PHONE, id="pair-timeline-phone"),
    ],
)
def test_page_fits_the_screen(visitor, path, viewport):
    """Wide tables scroll inside their box; the page itself never scrolls sideways."""
    visitor.page.set_viewport_size(viewport)
    visitor.goto(path, screenshot=False)
    overflow = visitor.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than a {viewport['width']}px screen"


# --- 2. Every chart is drawn -------------------------------------------------------------------


def test_overview_draws_every_chart(visitor):
    page = visitor.page
    visitor.goto("/")

    panels = page.locator(".chart-box").count()  # rendered by the server, kept if a chart fails
    charts = assert_all_drawn(page)
    assert len(charts) == panels == 5, f"{len(charts)} of {panels} charts drawn"
    assert {c["id"] for c in charts} == {
        "value-by-year",
        "deals-by-stage",
        "platforms-by-category",
        "statements-by-year",
        "most-discussed",
    }


def test_pair_page_draws_its_charts(visitor):
    page = visitor.page
    visitor.goto("/ties/IN/RU/")

    charts = assert_all_drawn(page)
    assert len(charts) >= 1
    assert len(charts) == page.locator(".chart-box").count()


# --- 3. Filters --------------------------------------------------------------------------------


def test_stage_filter_narrows_the_table(visitor):
    page = visitor.page
    visitor.goto("/deals/")
    before = table_rows(page).count()

    # Each stage is labelled with how many deals it holds: "Talks (2)".
    page.get_by_role("checkbox", name=re.compile(r"^Talks \(\d+\)$")).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/deals/?*stage=talks*")
    visitor.screenshot("filtered")

    stages = column(page, "Stage")
    assert 0 < len(stages) < before
    assert set(stages) == {"Talks"}
    assert stages == column(page, "Stage")  # the table is stable once loaded
    expect(page.get_by_role("checkbox", name=re.compile(r"^Talks \("))).to_be_checked()


def test_stage_checkboxes_sit_beside_their_labels(visitor):
    page = visitor.page
    visitor.goto("/deals/", screenshot=False)
    offsets = page.locator("#id_stage input[type=checkbox]").evaluate_all(
        """boxes => boxes.map(box => {
            const text = document.createRange();
            text.selectNodeContents(box.labels[0]);
            text.setStartAfter(box);
            const a = box.getBoundingClientRect(), b = text.getBoundingClientRect();
            return {
                label: box.labels[0].innerText.trim(),
                gap: Math.abs((a.top + a.bottom) / 2 - (b.top + b.bottom) / 2),
                height: a.height,
            };
        })"""
    )
    assert len(offsets) == 7
    for box in offsets:
        assert box["gap"] < box["height"], f"the {box['label']} checkbox is not beside its label"


# --- 4. Exports --------------------------------------------------------------------------------


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_export_downloads_the_filtered_rows(visitor, export_format):
    page = visitor.page
    visitor.goto("/deals/?stage=signed&stage=in_delivery&stage=completed")
    titles = column(page, "Title")
    assert titles, "the signed deals table is empty"

    with page.expect_download() as info:
        page.locator(".exports").get_by_role("link", name=export_format.upper()).click()
    download = info.value
    assert download.suggested_filename.endswith(f".{export_format}")
    text = Path(download.path()).read_text(encoding="utf-8-sig")

    if export_format == "csv":
        header, *rows = list(csv.reader(text.splitlines()))
        assert "Title" in header
        exported = [row[header.index("Title")] for row in rows]
    else:
        rows = json.loads(text)
        assert rows and "Title" in rows[0]
        exported = [row["Title"] for row in rows]
    assert sorted(exported) == sorted(titles)


# --- 5. Chart clicks ---------------------------------------------------------------------------


def test_clicking_a_bar_opens_its_filtered_table(visitor):
    page = visitor.page
    visitor.goto("/")
    canvas = page.locator("canvas#deals-by-stage")
    canvas.scroll_into_view_if_needed()

    point = canvas.evaluate(
        """canvas => {
            const chart = Chart.getChart(canvas);
            const i = chart.data.labels.indexOf('Talks');
            if (i < 0) return null;
            const bar = chart.getDatasetMeta(0).data[i];
            // Aim at the middle of the bar, between its top (y) and its base.
            return {x: bar.x, y: (bar.y + bar.base) / 2, count: chart.data.datasets[0].data[i]};
        }"""
    )
    assert point, "the deals-by-stage chart has no Talks bar"
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])

    page.wait_for_url("**/deals/?stage=talks")
    visitor.wait_for_charts()
    visitor.screenshot("after-click")
    stages = column(page, "Stage")
    assert set(stages) == {"Talks"}
    assert len(stages) == point["count"]


# --- 6. Names are text, never markup -----------------------------------------------------------


@pytest.fixture
def hostile_platform(browser_data):
    india, russia = Party.objects.get(code="IN"), Party.objects.get(code="RU")
    platform = Platform.objects.create(
        name=HOSTILE, slug="hostile-platform", category=Platform.Category.OTHER
    )
    platform.makers.add(russia)
    deal = Deal.objects.create(
        title="Hostile platform deal",
        slug="hostile-platform-deal",
        buyer=india,
        seller=russia,
        platform=platform,
        stage=Deal.Stage.TALKS,
    )
    source = Source.objects.create(
        title="A test article",
        slug="hostile-test-article",
        publisher="Test wire",
        published=PartialDate(2025, 6),
        text=f"The envoy said: the {HOSTILE} system works well. Nothing more was said.",
    )
    statement = Statement.objects.create(
        slug="hostile-platform-statement",
        speaker=Person.objects.get(slug="denis-alipov"),
        date=PartialDate(2025, 6),
        kind=Statement.Kind.QUOTE,
        text=f"the {HOSTILE} system works well",
        source=source,
    )
    statement.full_clean()
    statement.platforms.add(platform)
    statement.deals.add(deal)
    return platform


def test_hostile_platform_name_is_shown_as_text(visitor, hostile_platform):
    page = visitor.page
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    injected = """() => [...document.scripts]
        .filter(s => s.type !== 'application/json' && s.textContent.includes('alert(1)'))
        .length"""

    for label, path in (
        ("platform-list", "/platforms/"),
        ("platform-detail", hostile_platform.get_absolute_url()),
        ("overview", "/"),
        ("search", "/search/?q=alert"),
        ("deal-detail", "/deals/hostile-platform-deal/"),
        ("statement-detail", "/statements/hostile-platform-statement/"),
    ):
        visitor.goto(path, label=label)
        assert page.evaluate(injected) == 0, f"{path} runs a script from the platform's name"
        if path != "/":
            expect(page.get_by_text(HOSTILE).first).to_be_visible()
        else:
            # The overview names it only inside its charts: as a label, the literal string.
            labels = page.locator("canvas#most-discussed").evaluate(
                "canvas => Chart.getChart(canvas).data.labels"
            )
            assert HOSTILE in labels

    visitor.goto(hostile_platform.get_absolute_url(), screenshot=False)
    expect(page.locator("h1")).to_have_text(HOSTILE)
    assert dialogs == [], f"a dialog opened: {dialogs}"


# --- 7. The API's documentation ----------------------------------------------------------------


def test_the_api_docs_page_runs_under_the_csp(visitor):
    """Swagger UI, from the site's own files, draws every operation of the schema and runs a
    request, with no CSP violation or other console error (the visitor fixture checks)."""
    page = visitor.page
    visitor.goto("/api/docs/", screenshot=False)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Defence Ties Dashboard API")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 40
    visitor.screenshot("operations")

    deals = page.locator("#operations-deals-deals_list")
    deals.locator(".opblock-summary").click()
    deals.get_by_role("button", name="Try it out").click()
    deals.locator("input[placeholder='buyer']").fill("IN")
    deals.get_by_role("button", name="Execute").click()
    status = deals.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text("200")
    expect(deals.locator(".live-responses-table .microlight").first).to_contain_text(
        '"code": "IN"'
    )
    visitor.screenshot("try-it-out")
