"""The transfers page, party and pair pages with the register's figures, and party addresses
for parties of every kind (the sample of tests/register_sample.py, worked out by hand)."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import Deal, Delivery, Party
from dashboard.services import delivery_tiv_update
from tests.register_sample import make_register
from tests.test_views import chart_data, page, table_rows


@pytest.fixture
def register(db):
    return make_register()


def test_rows_per_supplier_with_shares(client, register):
    html = page(client, "/transfers/")
    rows = table_rows(html)
    assert len(rows) == 4
    assert "Russia" in rows[0] and "460.0" in rows[0] and "45.5" in rows[0]
    assert "spread evenly over its years of delivery" in html
    chart = chart_data(html, "chart-transfers")
    assert chart["labels"] == ["Russia", "Soviet Union", "France", "Iran"]
    assert chart["datasets"][0]["data"] == [460.0, 300.0, 240.0, 10.0]
    assert chart["links"][0] == "/transfers/?supplier=RU&group=year"


def test_filters_and_grouping(client, register):
    html = page(client, "/transfers/?recipient=IN&year_min=2010&group=year")
    chart = chart_data(html, "chart-transfers")
    assert chart["labels"] == ["2010", "2011", "2020", "2021", "2022", "2023"]
    assert chart["datasets"][0]["data"] == [200.0, 300.0, 20.0, 50.0, 50.0, 30.0]
    html = page(client, "/transfers/?supplier=FR&group=recipient&category=fighter_aircraft")
    # France's jets went to India only: 100 + 90.
    assert chart_data(html, "chart-transfers")["datasets"][0]["data"] == [190.0]


def test_fold_is_a_switch(client, register):
    html = page(client, "/transfers/?fold=on")
    assert 'name="fold"' in html
    chart = chart_data(html, "chart-transfers")
    assert chart["labels"][0] == "Russia (or Soviet Union before it)"
    assert chart["datasets"][0]["data"][0] == 760.0
    # With the switch, a filter on Russia takes in the Soviet Union.
    html = page(client, "/transfers/?fold=on&supplier=RU&group=year")
    assert chart_data(html, "chart-transfers")["labels"][0] == "1985"


@pytest.mark.parametrize("code", ["hezbollah-lebanon", "nato", "SUHH"])
def test_filters_take_parties_of_every_kind(client, register, code):
    side = "supplier" if code == "SUHH" else "recipient"
    html = page(client, f"/transfers/?{side}={code}")
    assert len(table_rows(html)) == 1


def test_bad_filter_says_so(client, register):
    html = page(client, "/transfers/?recipient=XX&year_min=abc")
    assert "Some filters could not be read" in html


def test_exports_carry_name_code_tiv_share(client, register):
    response = client.get("/transfers/?group=recipient&_export=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[1] == {
        "Name": "NATO",
        "Code": "nato",
        "TIV (millions)": "50.0",
        "Share (%)": "4.95",
    }
    assert "transfers-by-recipient" in response["Content-Disposition"]
    response = client.get("/transfers/?group=category&_export=json")
    data = json.loads(response.getvalue())
    assert data[0]["Code"] == "fighter_aircraft" and data[0]["Share (%)"] == 48.51
    response = client.get("/transfers/?_export=xlsx")
    assert response.status_code == 200 and response.getvalue()[:2] == b"PK"


def test_empty_state_without_register(client, db):
    html = page(client, "/transfers/")
    assert "No register data yet" in html


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        page(client, url)
    return len(queries)


@pytest.mark.parametrize(
    "url",
    ["/transfers/", "/transfers/?group=year&fold=on", "/parties/IN/", "/ties/IN/RU/"],
)
def test_queries_do_not_grow_with_rows(client, register, url, settings):
    settings.DASHBOARD_PAGE_CACHE_SECONDS = 0
    before = queries_for(client, url)
    india, russia = register["IN"], register["RU"]
    platform = Deal.objects.first().platform
    for n in range(30):
        deal = Deal.objects.create(
            slug=f"more-{n}",
            title=f"More {n}",
            buyer=india,
            seller=russia,
            platform=platform,
            stage=Deal.Stage.COMPLETED,
            tiv_delivered=10,
        )
        Delivery.objects.bulk_create(Delivery(deal=deal, year=1990 + n % 20 + k) for k in range(3))
    delivery_tiv_update()
    from django.core.cache import cache

    cache.clear()
    assert queries_for(client, url) == before


@pytest.mark.parametrize("code", ["IN", "in", "SUHH", "suhh", "hezbollah-lebanon", "nato", "NATO"])
def test_party_pages_for_every_kind_and_case(client, register, code):
    response = client.get(f"/parties/{code}/")
    canonical = (
        code if code in register else next(c for c in register if c.lower() == code.lower())
    )
    if code == canonical:
        assert response.status_code == 200
    else:
        assert response.status_code == 301 and response.url == f"/parties/{canonical}/"


def test_pair_pages_for_every_kind(client, register):
    assert page(client, "/ties/FR/nato/")
    assert client.get("/ties/nato/FR/").url == "/ties/FR/nato/"
    assert client.get("/ties/NATO/fr/").url == "/ties/FR/nato/"
    assert page(client, "/ties/IR/hezbollah-lebanon/")
    assert client.get("/ties/IN/nobody/").status_code == 404


def test_party_page_suppliers_shares_by_period(client, register):
    html = page(client, "/parties/IN/")
    chart = chart_data(html, "chart-suppliers-by-period")
    assert chart["labels"][-3:] == ["2009–13", "2014–18", "2019–23"]
    shares = {
        d["label"]: dict(zip(chart["labels"], d["data"], strict=True)) for d in chart["datasets"]
    }
    assert shares["Russia"]["2009–13"] == 80.0 and shares["Russia"]["2019–23"] == 40.0
    assert shares["France"]["2019–23"] == 60.0
    assert 'data-chart-stacked="true"' in html
    years = chart_data(html, "chart-imports-exports")
    assert years["labels"][:3] == ["1985", "1986", "1987"]
    assert years["datasets"][0]["label"] == "Imports" and years["datasets"][0]["data"][0] == 100.0


def test_party_page_folded(client, register):
    html = page(client, "/parties/IN/?fold=on")
    chart = chart_data(html, "chart-suppliers-by-period")
    labels = [d["label"] for d in chart["datasets"]]
    assert "Russia (or Soviet Union before it)" in labels and "Soviet Union" not in labels
    assert 'name="fold" checked' in html


def test_supplier_page_lists_its_recipients(client, register):
    html = page(client, "/parties/FR/")
    chart = chart_data(html, "chart-recipients")
    # France: 190 to India (100 + 90), 50 to NATO.
    assert chart["labels"] == ["India", "NATO"]
    assert chart["datasets"][0]["data"] == [190.0, 50.0]
    assert chart["links"][1] == "/transfers/?supplier=FR&recipient=nato&group=year"


def test_pair_page_both_directions(client, register):
    html = page(client, "/ties/IN/RU/")
    chart = chart_data(html, "chart-pair-transfers")
    assert chart["labels"] == ["2010", "2011", "2020", "2021", "2022"]
    assert chart["datasets"][0]["label"] == "To India from Russia"
    assert chart["datasets"][0]["data"] == [200.0, 200.0, 20.0, 20.0, 20.0]
    assert chart["datasets"][1]["data"] == [0.0] * 5


def test_overview_leaders_for_a_period(client, register):
    html = page(client, "/?year_min=2011&year_max=2015")
    importers = chart_data(html, "chart-importers")
    assert importers["labels"] == ["India", "NATO"]
    assert importers["datasets"][0]["data"] == [300.0, 50.0]
    assert chart_data(html, "chart-exporters")["labels"] == ["Russia", "France"]
    assert "2011–2015" in html


def test_pair_timeline_stays_readable_with_hundreds_of_deals(client, register):
    india, russia = register["IN"], register["RU"]
    platform = Deal.objects.first().platform
    Deal.objects.bulk_create(
        Deal(
            slug=f"many-{n}",
            title=f"Many {n}",
            buyer=india,
            seller=russia,
            platform=platform,
            stage=Deal.Stage.SIGNED,
            signed=str(1960 + n % 60),
        )
        for n in range(300)
    )
    html = page(client, "/ties/IN/RU/")
    timeline = html.split('id="pair-timeline"', 1)[1].split('id="pair-deals"', 1)[0]
    # The latest hundred, a group per year (five deals a year), the latest years open, and
    # a link to the older ones.
    assert timeline.count('<li class="deal"') == 100
    assert timeline.count('<details class="timeline-year"') == 20
    assert timeline.count('<details class="timeline-year" open>') == 3
    assert "Older entries</a>" in timeline


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("buyer=hezbollah-lebanon", "d6"),
        ("party=nato", "d7"),
        ("seller=SUHH", "d1"),
        ("party=hezbollah-lebanon&counterpart=IR", "d6"),
    ],
)
def test_deal_filters_and_exports_take_parties_of_every_kind(client, register, query, slug):
    html = page(client, f"/deals/?{query}")
    rows = table_rows(html)
    assert len(rows) == 1 and f"Deal {slug}" in rows[0]
    response = client.get(f"/deals/?{query}&_export=csv")
    exported = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert [row["Slug"] for row in exported] == [slug]


def test_party_pages_show_only_the_charts_they_have(client, register):
    india = page(client, "/parties/IN/")
    assert "chart-recipients" not in india  # India supplies nothing here
    nato = page(client, "/parties/nato/")
    assert "chart-suppliers-by-period" in nato and "chart-recipients" not in nato
    # Russia without its predecessor: its own deliveries; the Soviet Union's page has its own.
    assert "chart-recipients" in page(client, "/parties/SUHH/")
    Party.objects.create(code="PK", name="Pakistan", iso3="PAK")
    assert "The register lists no deliveries to or from Pakistan." in page(client, "/parties/PK/")


def deal_count_shown(html):
    return html.split('<span class="label">deal', 1)[0].rsplit('<span class="number">', 1)[1]


def test_the_fold_switch_applies_to_the_pair_pages_deals_and_figures(client, register):
    # India and Russia: d2, d4 and d8; with the Soviet Union before it, d1 too.
    html = page(client, "/ties/IN/RU/")
    deals = html.split('id="pair-deals"', 1)[1]
    assert deal_count_shown(html).startswith("3<") and "Deal d1" not in deals
    html = page(client, "/ties/IN/RU/?fold=on")
    deals = html.split('id="pair-deals"', 1)[1]
    assert deal_count_shown(html).startswith("4<") and "Deal d1" in deals
    assert "Completed</a>: 3" in html  # d1, d2, d4 (d8 is signed)
    # The link to every deal between them keeps the switch, and lists the same four.
    url = "/deals/?party=IN&amp;counterpart=RU&amp;fold=on"
    assert url in html
    rows = table_rows(page(client, url.replace("&amp;", "&")))
    assert sorted(row.split("Deal ")[1][:2] for row in rows) == ["d1", "d2", "d4", "d8"]
    # And the timeline's own choice of what to show keeps it.
    timeline = html.split('id="pair-timeline"', 1)[1].split('id="pair-deals"', 1)[0]
    assert "Deal d1" in timeline and '<input type="hidden" name="fold" value="on">' in timeline


def test_the_fold_switch_applies_to_the_party_pages_deals(client, register):
    html = page(client, "/parties/RU/")
    assert "Deal d1" not in html and "/deals/?seller=RU" in html
    html = page(client, "/parties/RU/?fold=on")
    assert "Deal d1" in html
    assert '<span class="number">4</span> <span class="label">deals as seller' in html
    assert "/deals/?seller=RU&amp;fold=on" in html
    # Its partners take in the Soviet Union's: India – Soviet Union.
    assert "/ties/IN/SUHH/" in html


def test_deal_filters_count_a_former_state_with_its_successor(client, register):
    assert len(table_rows(page(client, "/deals/?seller=RU"))) == 3
    assert len(table_rows(page(client, "/deals/?seller=RU&fold=on"))) == 4
    assert len(table_rows(page(client, "/deals/?buyer=IN&seller=RU&fold=true"))) == 4
    # A former state has no predecessors: the switch changes nothing for it.
    assert len(table_rows(page(client, "/deals/?seller=SUHH&fold=on"))) == 1
    assert client.get("/deals/?seller=RU&fold=maybe").status_code == 200
