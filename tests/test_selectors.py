"""Figures computed in the database, checked against hand-built data."""

from decimal import Decimal

import pytest

from dashboard import selectors
from dashboard.models import Deal, Party, Person, Platform, Source, Statement


@pytest.fixture
def data(db):
    c = {
        iso: Party.objects.create(name=name, code=iso, iso3=iso3)
        for iso, name, iso3 in [
            ("IN", "India", "IND"),
            ("RU", "Russia", "RUS"),
            ("FR", "France", "FRA"),
        ]
    }
    jet = Platform.objects.create(slug="jet", name="Jet", category="fighter_aircraft")
    sam = Platform.objects.create(slug="sam", name="SAM", category="air_defence")
    tank = Platform.objects.create(slug="tank", name="Tank", category="tank")

    def deal(slug, buyer, seller, platform, stage, amount=None, currency="", signed=None):
        record = Deal(
            slug=slug,
            title=slug,
            buyer=c[buyer],
            seller=c[seller],
            platform=platform,
            stage=stage,
            value_amount=amount,
            value_currency=currency,
            signed=signed,
        )
        record.full_clean()  # as the admin, the loader and the API write a deal
        record.save()
        return record

    deals = [
        deal("a", "IN", "RU", sam, "in_delivery", Decimal("5430000000"), "USD", "2018"),
        deal("b", "IN", "RU", jet, "talks"),
        deal("c", "IN", "FR", jet, "signed", Decimal("100"), "EUR", "2016-09"),
        deal("d", "RU", "IN", tank, "completed", Decimal("70"), "USD", "2018-05-01"),
        deal("e", "IN", "FR", jet, "signed", Decimal("50"), "EUR", "2019"),
        deal("f", "IN", "RU", tank, "cancelled", Decimal("999"), "USD", "2018"),
    ]
    text = "He said the SAM works. The jet is good."
    source = Source.objects.create(slug="s", title="S", publisher="P", text=text)
    other = Source.objects.create(slug="o", title="O", publisher="P", text=text)
    deals[0].citations.create(source=source, excerpt="the SAM works")
    ru = Person.objects.create(slug="ru", name="Ru", party=c["RU"])
    fr = Person.objects.create(slug="fr", name="Fr", party=c["FR"])

    def said(slug, who, date, platforms, src=source, deals=()):
        s = Statement.objects.create(
            slug=slug, speaker=who, date=date, kind="quote", text="the SAM works", source=src
        )
        s.platforms.set(platforms)
        s.deals.set(deals)
        return s

    said("s1", ru, "2025-05", [sam, jet], deals=[deals[0]])
    said("s2", ru, "2025", [sam])
    said("s3", fr, "2024-01-02", [jet], src=other)
    said("s4", ru, "2024", [], src=other)
    return c


def test_counts_by_stage_list_every_stage_in_deal_order(data):
    rows = selectors.deal_counts_by_stage(deals=Deal.objects.all())
    assert [r["stage"] for r in rows] == list(Deal.Stage.values)
    assert {r["stage"]: r["count"] for r in rows if r["count"]} == {
        "in_delivery": 1,
        "talks": 1,
        "signed": 2,
        "completed": 1,
        "cancelled": 1,
    }


def test_signed_value_is_totalled_per_currency_and_never_mixed(data):
    totals = selectors.deal_value_totals(deals=Deal.objects.all())
    # The cancelled deal's value and the unsigned talks are left out.
    # Each currency apart, with its part in constant 2025 dollars (test_money.py has the
    # method): USD 5,430,000,000 of 2018 is 6,961,775,219 and USD 70 of 2018 is 90;
    # EUR 100 of 2016 is 148 and EUR 50 of 2019 is 70.
    assert totals == [
        {
            "currency": "USD",
            "total": 5430000070,
            "deals": 2,
            "total_usd": 6961775219 + 90,
            "converted": 2,
        },
        {"currency": "EUR", "total": 150, "deals": 2, "total_usd": 148 + 70, "converted": 2},
    ]
    assert selectors.deal_value_usd_total(deals=Deal.objects.all()) == {
        "total": 6961775219 + 90 + 148 + 70,
        "deals": 4,
        "unconverted": 0,
        "base_year": 2025,
    }


def test_value_by_year_groups_dates_of_any_precision_by_year(data):
    rows = selectors.deal_value_by_year(deals=Deal.objects.all())
    assert [(r["year"], r["currency"], r["total"], r["deals"], r["total_usd"]) for r in rows] == [
        (2016, "EUR", 100, 1, 148),
        (2018, "USD", 5430000070, 2, 6961775219 + 90),
        (2019, "EUR", 50, 1, 70),
    ]


def test_statements_by_year_and_most_discussed_platforms(data):
    statements = Statement.objects.all()
    assert selectors.statement_counts_by_year(statements=statements) == [
        {"year": 2024, "count": 2},
        {"year": 2025, "count": 2},
    ]
    assert selectors.platforms_most_discussed(statements=statements) == [
        {"slug": "jet", "name": "Jet", "count": 2},
        {"slug": "sam", "name": "SAM", "count": 2},
    ]


def test_platforms_by_category(data):
    rows = selectors.platform_counts_by_category(platforms=Platform.objects.all())
    assert {r["label"]: r["count"] for r in rows} == {
        "Fighter aircraft": 1,
        "Air-defence system": 1,
        "Tank": 1,
    }


def test_party_pairs_join_both_directions(data):
    pairs = selectors.party_pairs(deals=Deal.objects.all())
    assert [(p["first"], p["second"], p["deals"]) for p in pairs] == [
        ("IN", "RU", 4),
        ("FR", "IN", 2),
    ]


def test_pair_statements_are_about_the_pair(data):
    pair = selectors.pair_statements(first=data["RU"], second=data["IN"])
    # s1 concerns a pair deal; s2 is a Russian official in a source citing a pair deal;
    # s3 and s4 come from a source that cites no India-Russia deal.
    assert sorted(s.slug for s in pair) == ["s1", "s2"]
    assert selectors.pair_statements(first=data["FR"], second=data["IN"]).count() == 0


def test_pair_timeline_orders_by_date_and_keeps_undated_deals_apart(data):
    deals = selectors.pair_deals(first=data["IN"], second=data["RU"])
    statements = selectors.pair_statements(first=data["IN"], second=data["RU"])
    timeline = selectors.pair_timeline(deals=deals, statements=statements)
    dates = [entry["date"] for entry in timeline["entries"]]
    assert dates == sorted(dates, reverse=True)
    assert [c.slug for c in timeline["undated"]] == ["b"]
    assert {e["record"].slug for e in timeline["entries"]} == {"a", "d", "f", "s1", "s2"}
