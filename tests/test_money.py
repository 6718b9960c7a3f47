"""Values in different currencies: converted into constant US dollars on known rates, never
added or drawn together as stated, marked where they cannot be converted, and sorted and
filtered on the one scale (dashboard/money.py).

The expected figures are worked out by hand from the published sources the packages ship:
- US CPI-U annual averages (BLS series CUUR0000SA0): 2018 251.107, 2019 255.657, 2025 321.943.
- The ECB's euro reference rate against the dollar, the average of 2019's daily rates: 1.1195.
The base year is 2025, the latest year the price index has in full.
"""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.loading import records_load
from dashboard.models import Deal
from tests.test_admin import admin_url, save_through_admin

S400 = "s-400-2018"
NO_RATE = "The ECB's reference rates do not cover"
# USD 5.43 bn of 2018 in 2025 dollars: 5,430,000,000 x 321.943 / 251.107.
S400_USD_2025 = 6_961_775_219


def deal_record(slug, amount, currency, signed, stage="signed", seller="FR"):
    return {
        "model": "dashboard.deal",
        "fields": {
            "slug": slug,
            "title": slug,
            "buyer": ["IN"],
            "seller": [seller],
            "platform": ["s-400-triumf"],
            "stage": stage,
            "value_amount": amount,
            "value_currency": currency,
            "signed": signed,
        },
    }


def load(*records):
    """Through the loader, as a fixture file or an upload is loaded."""
    party = {"model": "dashboard.party", "fields": {"code": "FR", "name": "France", "iso3": "FRA"}}
    result = records_load(records=[party, *records], name="test records")
    assert not result.errors, result.errors


@pytest.fixture
def rafale(india_russia):
    """The issue's case: a Rafale deal of INR 630 bn beside the S-400's USD 5.43 bn."""
    load(deal_record("rafale-m", "630000000000", "INR", "2025-04"))
    return Deal.objects.get(slug="rafale-m")


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def chart_data(html, chart_id):
    match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


def row_slugs(html):
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/deals/([^"/]+)/">', body)


# --- The conversion ----------------------------------------------------------------------------


def test_a_dollar_value_is_carried_to_the_base_year_by_the_price_index(india_russia):
    deal = Deal.objects.get(slug=S400)
    assert deal.value_usd_constant == S400_USD_2025
    assert deal.value_usd_base_year == 2025
    assert deal.value_unconverted == ""


def test_a_euro_value_goes_through_the_years_average_rate(india_russia):
    # EUR 1,000,000 of 2019: 1,000,000 x 1.1195 x 321.943 / 255.657 = 1,409,761; the ECB
    # rounds its average to four decimals, half a unit of the last is 63 dollars here.
    load(deal_record("euro-2019", "1000000", "eur", "2019-06-01"))
    deal = Deal.objects.get(slug="euro-2019")
    assert deal.value_currency == "EUR"
    assert abs(deal.value_usd_constant - 1_409_761) < 63


@pytest.mark.parametrize(
    "currency, signed, stage, reason",
    [
        # The ECB's rupee rates start in 2009, its rouble rates stop in March 2022.
        ("INR", "2008", "signed", f"{NO_RATE} INR for all of 2008."),
        ("RUB", "2022-05", "signed", f"{NO_RATE} RUB for all of 2022."),
        ("USD", "1905", "signed", "The US consumer price index has no average for 1905."),
        ("USD", None, "negotiating", "No year of signing to convert at."),
    ],
)
def test_a_value_that_cannot_be_converted_is_marked_not_guessed(
    client, india_russia, currency, signed, stage, reason
):
    load(deal_record("odd", "1000000", currency, signed, stage=stage))
    deal = Deal.objects.get(slug="odd")
    assert deal.value_usd_constant is None
    assert deal.value_unconverted == reason
    assert f"Not converted: {reason}" in page(client, "/deals/odd/").replace("&#x27;", "'")
    listed = page(client, "/deals/?q=odd")
    assert "not converted" in listed and currency in listed


def test_the_admin_and_the_api_write_the_constant_value_as_the_loader_does(
    staff_client, india_russia
):
    deal = Deal.objects.get(slug=S400)
    url = admin_url(Deal, "change", deal.pk)
    assert save_through_admin(staff_client, url, value_currency="EUR").status_code == 302
    deal.refresh_from_db()
    # EUR 5.43 bn of 2018 at the year's average of 1.1810 dollars to the euro.
    assert abs(deal.value_usd_constant / Decimal(S400_USD_2025) - Decimal("1.1810")) < Decimal(
        "0.0001"
    )
    url = f"/api/deals/{S400}/"
    response = staff_client.patch(
        url,
        {"signed": "2019"},
        content_type="application/json",
        HTTP_IF_MATCH=staff_client.get(url)["ETag"],
    )
    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    # EUR 5.43 bn of 2019: 5,430,000,000 x 1.1195 x 321.943 / 255.657 = 7,655,000,542, to
    # the ECB's four decimals (half a unit of the last is 0.0045 % of the rate).
    assert abs(deal.value_usd_constant / 7_655_000_542 - 1) < Decimal("0.000045")


# --- Never on one scale as stated --------------------------------------------------------------


def test_the_overview_keeps_the_rupees_and_the_dollars_apart(client, rafale):
    html = page(client, "/")
    # The key figures: each currency as stated, and one figure in constant dollars.
    assert "INR 630.0 billion" in html and "USD 5.4 billion" in html
    total = rafale.value_usd_constant + S400_USD_2025
    assert "US$ 14.2 billion" in html and round(total / 10**9, 1) == Decimal("14.2")
    # The chart draws constant dollars only: both deals' bars are there, of a size to see.
    chart = chart_data(html, "chart-value-by-year")
    bars = {
        (dataset["currency"], year): value
        for dataset in chart["datasets"]
        for year, value in zip(chart["labels"], dataset["data"], strict=True)
        if value
    }
    assert bars == {("USD", "2018"): S400_USD_2025, ("INR", "2025"): rafale.value_usd_constant}
    assert 0.5 < S400_USD_2025 / rafale.value_usd_constant < 2
    assert 630_000_000_000 not in bars.values()
    assert 'data-chart-currency="USD"' in html
    # Its numbers keep the stated value beside the converted one.
    assert "<td>2025</td><td>INR</td><td>630,000,000,000</td>" in html
    assert "European Central Bank" in html and "consumer price index" in html


def test_the_pair_page_keeps_them_apart_too(client, rafale):
    load(deal_record("rafale-ru", "630000000000", "INR", "2025-04", seller="RU"))
    converted = Deal.objects.get(slug="rafale-ru").value_usd_constant
    html = page(client, "/ties/IN/RU/")
    chart = chart_data(html, "chart-pair-value")
    assert {d["currency"]: max(d["data"]) for d in chart["datasets"]} == {
        "INR": converted,
        "USD": S400_USD_2025,
    }
    assert "signed value as stated in INR" in html and "signed value as stated in USD" in html
    assert "European Central Bank" in html


def test_deals_that_cannot_be_converted_are_counted_and_listed_apart(client, india_russia):
    load(deal_record("old-rupees", "1000000", "INR", "2005"))
    html = page(client, "/")
    match = re.search(r'<a href="([^"]+)">1 deal</a> states a value that cannot be', html)
    assert match, "the chart says which deal it leaves out"
    listed = page(client, match.group(1).replace("&amp;", "&"))
    assert row_slugs(listed) == ["old-rupees"]


# --- Sorting and filtering on one scale --------------------------------------------------------


@pytest.fixture
def three(rafale):
    # Stated: INR 630 bn > USD 8 bn > USD 5.43 bn; in 2025 dollars: 8.0 bn > 7.2 bn > 7.0 bn.
    load(
        deal_record("dollars-8bn", "8000000000", "USD", "2025"),
        deal_record("old-rupees", "1000000", "INR", "2005"),
    )


def test_sorting_by_value_uses_constant_dollars(client, three):
    valued = ["dollars-8bn", "rafale-m", S400]
    html = page(client, "/deals/?sort=-value_amount")
    assert "European Central Bank" in html  # the method, named on the page
    slugs = row_slugs(html)
    assert [s for s in slugs if s in valued + ["old-rupees"]] == valued + ["old-rupees"]
    slugs = row_slugs(page(client, "/deals/?sort=value_usd_constant"))
    assert [s for s in slugs if s in valued] == valued[::-1]


@pytest.mark.parametrize(
    "query, expected",
    [
        # 6 bn constant dollars: the S-400's 7.0 bn is in, though USD 5.43 bn as stated.
        ("value_min=6000000000", {"dollars-8bn", "rafale-m", S400}),
        ("value_max=7100000000", {S400}),
        # With a currency chosen, its own amounts.
        ("currency=INR&value_min=600000000000", {"rafale-m"}),
        ("currency=USD&value_min=600000000000", set()),
        ("currency=USD&value_max=6000000000", {S400}),
        ("converted=no", {"old-rupees"}),
    ],
)
def test_value_filters_compare_on_one_scale(client, three, query, expected):
    slugs = set(row_slugs(page(client, f"/deals/?{query}")))
    assert slugs & {"dollars-8bn", "rafale-m", S400, "old-rupees"} == expected


# --- The API -----------------------------------------------------------------------------------


def test_the_api_gives_the_constant_value_and_sorts_by_it(reader_client, three):
    deal = reader_client.get(f"/api/deals/{S400}/").json()
    assert (deal["value_usd_constant"], deal["value_usd_base_year"]) == (
        str(S400_USD_2025),
        2025,
    )
    assert (
        reader_client.get("/api/deals/old-rupees/")
        .json()["value_unconverted"]
        .startswith("The ECB's reference rates do not cover INR")
    )
    rows = reader_client.get("/api/deals/?sort=-value_amount&value_min=1").json()["results"]
    assert [r["slug"] for r in rows] == ["dollars-8bn", "rafale-m", S400]
    overview = reader_client.get(reverse("api:overview")).json()
    assert {r["currency"]: r["total"] for r in overview["figures"]["signed_value"]} == {
        "INR": 630_000_000_000 + 1_000_000,
        "USD": 8_000_000_000 + 5_430_000_000,
    }
    assert overview["figures"]["signed_value_usd"]["unconverted"] == 1


def test_sources_stating_values_in_two_currencies_are_not_told_apart(client, india_russia):
    citation = Deal.objects.get(slug=S400).citations.exclude(value_amount=None).get()
    citation.value_amount, citation.value_currency = Decimal("390000000000"), "INR"
    citation.full_clean()
    citation.save()
    html = page(client, f"/deals/{S400}/")
    assert "INR 390,000,000,000" in html and "USD 5,430,000,000" in html
    assert not re.search(r"The sources disagree on:[^<]*Value", html)


def test_exports_carry_the_constant_value_its_year_and_why_not(client, three):
    rows = json.loads(client.get("/deals/?sort=-value_amount&_export=json").getvalue())
    by_slug = {row["Slug"]: row for row in rows}
    s400 = by_slug[S400]
    assert (s400["Value, constant US$"], s400["Base year"]) == (S400_USD_2025, 2025)
    assert by_slug["old-rupees"]["Value, constant US$"] is None
    assert by_slug["old-rupees"]["Why not converted"].startswith(NO_RATE)
    assert [row["Slug"] for row in rows][:3] == ["dollars-8bn", "rafale-m", S400]
