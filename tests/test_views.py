"""The analysts' pages: what each shows and what filters leave (exports: test_exports.py)."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from dashboard import charts, selectors
from dashboard.models import Deal, Party, Person, Platform, Source, Statement

LISTS = [
    "deal-list",
    "statement-list",
    "platform-list",
    "party-list",
    "source-list",
    "person-list",
    "engagement-list",
    "standingbody-list",
    "agreement-list",
]


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def table_rows(html):
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [row for row in body.split("<tr")[1:] if 'class="empty"' not in row]


def chart_data(html, chart_id):
    match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


def csv_rows(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def detail_urls():
    return [
        reverse("dashboard:deal-detail", args=["s-400-2018"]),
        reverse("dashboard:platform-detail", args=["s-400-triumf"]),
        reverse("dashboard:party-detail", args=["IN"]),
        reverse("dashboard:party-detail", args=["PK"]),
        reverse("dashboard:person-detail", args=["denis-alipov"]),
        reverse("dashboard:source-detail", args=["ians-alipov-interview-2025-05"]),
        Statement.objects.first().get_absolute_url(),
        reverse("dashboard:pair", args=["IN", "RU"]),
        reverse(
            "dashboard:engagement-detail",
            args=["irigc-m-mtc-working-group-military-cooperation-5"],
        ),
        reverse(
            "dashboard:standingbody-detail",
            args=["irigc-m-mtc-working-group-military-cooperation"],
        ),
        reverse("dashboard:agreement-detail", args=["technology-agreement-test"]),
        reverse("dashboard:search") + "?q=S-400",
        reverse("dashboard:overview"),
    ]


def test_every_page_answers(client, india_russia):
    for name in LISTS:
        page(client, reverse(f"dashboard:{name}"))
    for url in detail_urls():
        page(client, url)


@pytest.mark.parametrize(
    "url",
    [
        "/deals/no-such-deal/",
        "/parties/XX/",
        "/platforms/nothing/",
        "/people/nobody/",
        "/sources/none/",
        "/statements/none/",
        "/ties/IN/XX/",
        "/ties/IN/IN/",
    ],
)
def test_unknown_records_are_404(client, india_russia, url):
    html = page(client, url, status=404)
    assert "Not found" in html


def test_a_pair_reached_in_either_order_is_the_same_page(client, india_russia):
    response = client.get("/ties/RU/IN/")
    assert response.status_code == 301 and response.url == "/ties/IN/RU/"
    assert client.get("/ties/ru/in/").url == "/ties/IN/RU/"
    html = page(client, "/ties/IN/RU/")
    for deal in Deal.objects.all():
        assert escape(deal.title) in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stage=talks", {"s-400-additional", "su-57-talks"}),
        (
            "stage=talks&stage=under_consideration&stage=negotiating",
            {"s-400-additional", "su-57-talks", "s-500-consideration"},
        ),
        ("category=air_defence", {"s-400-2018", "s-400-additional", "s-500-consideration"}),
        ("platform=s-400-triumf", {"s-400-2018", "s-400-additional"}),
        ("year_min=2018&year_max=2018", {"s-400-2018"}),
        ("value_min=1000000000&currency=usd", {"s-400-2018"}),
        ("buyer=RU", set()),
        ("q=Growler", {"s-400-2018", "s-400-additional"}),
    ],
)
def test_deal_filters_leave_the_right_rows(client, india_russia, query, expected):
    html = page(client, f"/deals/?{query}")
    shown = {
        deal.slug for deal in Deal.objects.all() if f'href="{deal.get_absolute_url()}"' in html
    }
    assert shown == expected
    if not expected:
        assert "No deals match these filters." in html


def test_either_party_filters_select_the_pair(client, india_russia):
    html = page(client, "/deals/?party=RU&counterpart=IN")
    assert len(table_rows(html)) == Deal.objects.count()
    assert len(table_rows(page(client, "/deals/?party=RU&counterpart=PK"))) == 0


@pytest.mark.parametrize(
    ("query", "speaker_slugs"),
    [
        ("speaker=indian-air-force", {"indian-air-force"}),
        ("party=IN", {"indian-air-force", "hq-integrated-defence-staff"}),
        ("q=game+changer", {"indian-air-force"}),
    ],
)
def test_statement_filters(client, india_russia, query, speaker_slugs):
    html = page(client, f"/statements/?{query}")
    rows = table_rows(html)
    assert rows
    shown = {p.slug for p in Person.objects.all() if any(p.get_absolute_url() in r for r in rows)}
    assert shown == speaker_slugs


def test_statements_about_a_platform(client, india_russia):
    rows = table_rows(page(client, "/statements/?platform=s-400-triumf"))
    expected = Statement.objects.filter(platforms__slug="s-400-triumf").count()
    assert len(rows) == expected >= 1


def test_a_bad_filter_value_is_shown_as_a_form_error(client, india_russia):
    html = page(client, "/deals/?buyer=XX&year_min=abc")
    assert "Some filters could not be read" in html
    assert "Select a valid choice" in html
    assert "Enter a number" in html


def natural_key(text):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def test_sorting_orders_the_rows(client, india_russia):
    html = page(client, "/deals/?sort=-value_amount")
    assert "s-400-2018" in table_rows(html)[0]
    html = page(client, "/deals/?sort=title")
    titles = [
        re.search(r'<a href="/deals/[^"]+/">([^<]+)</a>', row).group(1) for row in table_rows(html)
    ]
    # Natural order: ignoring case, and numbers by their value ("S-400" before "S-500").
    assert titles == sorted(titles, key=natural_key)
    html = page(client, "/statements/?sort=date")
    dates = [s.date for s in Statement.objects.order_by("date")]
    assert str(dates[0]) in table_rows(html)[0]


def test_overview_charts_carry_the_selector_figures(client, india_russia):
    html = page(client, "/")
    deals, statements = Deal.objects.all(), Statement.objects.all()
    by_stage = chart_data(html, "chart-deals-by-stage")
    assert by_stage == charts.deals_by_stage(selectors.deal_counts_by_stage(deals=deals))
    assert (
        dict(zip(by_stage["labels"], by_stage["datasets"][0]["data"], strict=True))["Talks"]
        == Deal.objects.filter(stage="talks").count()
    )
    value = chart_data(html, "chart-value-by-year")
    # In constant dollars, stored on the deal (tests/test_money.py checks the conversion).
    s400 = Deal.objects.get(slug="s-400-2018").value_usd_constant
    assert value["labels"] == ["2018"] and value["datasets"][0]["data"] == [s400]
    discussed = chart_data(html, "chart-most-discussed")
    assert discussed["labels"][0] == "S-400 Triumf"
    assert (
        discussed["datasets"][0]["data"][0]
        == statements.filter(platforms__slug="s-400-triumf").count()
    )
    assert chart_data(html, "chart-statements-by-year") == charts.statements_by_year(
        selectors.statement_counts_by_year(statements=statements)
    )
    assert "/ties/IN/RU/" in html
    # The numbers behind the value chart read as a person writes them.
    assert f"<td>2018</td><td>USD</td><td>5,430,000,000</td><td>{s400:,}</td><td>1</td>" in html


def test_chart_links_open_the_filtered_table(client, india_russia):
    html = page(client, "/")
    link = chart_data(html, "chart-deals-by-stage")["links"][0]
    assert len(table_rows(page(client, link))) == Deal.objects.filter(stage="talks").count()
    platform_link = chart_data(html, "chart-most-discussed")["links"][0]
    assert (
        len(table_rows(page(client, platform_link)))
        == Statement.objects.filter(platforms__slug="s-400-triumf").count()
    )


def test_the_s400_deal_page_answers_the_analysts_questions(client, india_russia):
    html = page(client, "/deals/s-400-2018/")
    assert "5,430,000,000" in html and "USD" in html
    assert "September 2026" in html
    assert "not stated" in html.lower()
    for citation in Deal.objects.get(slug="s-400-2018").citations.all():
        assert escape(citation.source.title) in html
    assert "<mark" in html


def test_the_ambassadors_words_on_the_s400_and_where(client, india_russia):
    html = page(client, "/statements/?speaker=denis-alipov&platform=s-400-triumf")
    rows = table_rows(html)
    assert rows and all("denis-alipov" in row for row in rows)
    statement = Statement.objects.filter(
        speaker__slug="denis-alipov", kind="quote", platforms__slug="s-400-triumf"
    ).first()
    detail = page(client, statement.get_absolute_url())
    assert escape(statement.source.title) in detail
    assert '<mark id="passage">' in detail


def test_source_page_marks_every_cited_passage(client, india_russia):
    source = Source.objects.get(slug="ians-alipov-interview-2025-05")
    html = page(client, source.get_absolute_url())
    for statement in source.statements.all():
        assert statement.get_absolute_url() in html
    for citation in source.citations.all():
        assert citation.deal.get_absolute_url() in html
    assert html.count("<mark") >= source.statements.count()


def test_search_finds_platforms_by_alias_and_other_records(client, india_russia):
    html = page(client, "/search/?q=Growler")
    assert "/platforms/s-400-triumf/" in html
    html = page(client, "/search/?q=Alipov")
    assert "/people/denis-alipov/" in html and "/statements/" in html
    assert (
        "No results" in page(client, "/search/?q=zzzzzz")
        or "nothing" in page(client, "/search/?q=zzzzzz").lower()
    )


def test_party_page_shows_partners_and_deals(client, india_russia):
    html = page(client, "/parties/RU/")
    assert "/ties/IN/RU/" in html
    assert "/deals/s-400-2018/" in html
    assert "/people/denis-alipov/" in html


HOSTILE = "</script><script>alert(1)</script>"


def test_hostile_names_are_shown_as_text_everywhere(client, india_russia):
    india, russia = Party.objects.get(code="IN"), Party.objects.get(code="RU")
    platform = Platform.objects.create(slug="hostile", name=HOSTILE, category="other")
    platform.aliases.create(name=HOSTILE + "alias")
    deal = Deal.objects.create(
        slug="hostile-deal",
        title=HOSTILE,
        buyer=india,
        seller=russia,
        platform=platform,
        stage="talks",
    )
    source = Source.objects.first()
    deal.citations.create(source=source, excerpt="S-400")
    statement = Statement.objects.filter(kind="quote").first()
    statement.platforms.add(platform)
    urls = [
        "/",
        "/platforms/",
        "/platforms/hostile/",
        "/deals/",
        "/deals/hostile-deal/",
        "/statements/",
        statement.get_absolute_url(),
        "/ties/IN/RU/",
        "/search/?q=alert",
        "/parties/IN/",
        source.get_absolute_url(),
        f"/search/?q={HOSTILE}",
    ]
    for url in urls:
        html = page(client, url)
        assert "<script>alert(1)" not in html, url
    assert escape(HOSTILE) in page(client, "/platforms/hostile/")
    assert HOSTILE in json.dumps(chart_data(page(client, "/"), "chart-most-discussed"))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/contracts/", "/deals/"),
        ("/contracts/?status=talks&sort=title", "/deals/?stage=talks&sort=title"),
        (
            "/contracts/?phase=signed",
            "/deals/?stage=signed&stage=in_delivery&stage=completed",
        ),
        ("/deals/?status=talks", "/deals/?stage=talks"),
        ("/contracts/s-400-2018/", "/deals/s-400-2018/"),
        ("/countries/", "/parties/"),
        ("/countries/IN/", "/parties/IN/"),
        ("/statements/?contract=s-400-2018", "/statements/?deal=s-400-2018"),
        ("/people/?country=RU", "/people/?party=RU"),
    ],
)
def test_addresses_from_before_the_renames_redirect_to_todays(client, india_russia, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert client.get(new).status_code == 200
