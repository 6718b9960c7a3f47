"""The transfers figures on a register whose shares are worked out by hand (see
tests/register_sample.py for the deals): each delivery's TIV is its deal's delivered TIV
divided by its years of delivery."""

import pytest

from dashboard import selectors
from dashboard.models import Delivery
from tests.register_sample import make_register


@pytest.fixture
def register(db):
    return make_register()


def rows(result):
    return [(r["code"], r["name"], r["tiv"], r["share"]) for r in result]


def test_by_supplier(register):
    # 460 from Russia (400 + 60), 300 from the Soviet Union, 240 from France (100 + 90 + 50),
    # 10 from Iran, of 1,010: 45.54 %, 29.70 %, 23.76 %, 0.99 %.
    result = selectors.transfer_totals(deliveries=Delivery.objects.all(), group="supplier")
    assert rows(result) == [
        ("RU", "Russia", 460.0, 45.54),
        ("SUHH", "Soviet Union", 300.0, 29.70),
        ("FR", "France", 240.0, 23.76),
        ("IR", "Iran", 10.0, 0.99),
    ]


def test_folding_counts_the_soviet_union_as_russia(register):
    # 460 + 300 = 760 of 1,010: 75.25 %.
    result = selectors.transfer_totals(
        deliveries=Delivery.objects.all(), group="supplier", fold=True
    )
    assert rows(result)[0] == ("RU", "Russia (or Soviet Union before it)", 760.0, 75.25)
    assert [r["code"] for r in result] == ["RU", "FR", "IR"]


def test_by_recipient_with_parties_of_every_kind(register):
    # India 300 + 400 + 100 + 60 + 90 = 950 (94.06 %), NATO 50 (4.95 %), Hezbollah 10 (0.99 %).
    result = selectors.transfer_totals(deliveries=Delivery.objects.all(), group="recipient")
    assert rows(result) == [
        ("IN", "India", 950.0, 94.06),
        ("nato", "NATO", 50.0, 4.95),
        ("hezbollah-lebanon", "Hezbollah (Lebanon)", 10.0, 0.99),
    ]


def test_by_year_spreads_a_deal_over_its_delivery_years(register):
    # India's imports since 2010: 2010 200 (d2), 2011 300 (d2 200 + d3 100), 2020 20 (d4),
    # 2021 and 2022 50 each (d4 20 + d5 30), 2023 30 (d5): 650 in all.
    deliveries = Delivery.objects.filter(deal__buyer__code="IN", year__gte=2010)
    result = selectors.transfer_totals(deliveries=deliveries, group="year")
    assert rows(result) == [
        (2010, "2010", 200.0, 30.77),
        (2011, "2011", 300.0, 46.15),
        (2020, "2020", 20.0, 3.08),
        (2021, "2021", 50.0, 7.69),
        (2022, "2022", 50.0, 7.69),
        (2023, "2023", 30.0, 4.62),
    ]


def test_by_category(register):
    # Jets 300 + 100 + 90 = 490 (48.51 %), SAMs 400 + 50 = 450 (44.55 %), tanks 70 (6.93 %).
    result = selectors.transfer_totals(deliveries=Delivery.objects.all(), group="category")
    assert rows(result) == [
        ("fighter_aircraft", "Fighter aircraft", 490.0, 48.51),
        ("surface_to_air_missile", "Surface-to-air missile", 450.0, 44.55),
        ("tank", "Tank", 70.0, 6.93),
    ]


def test_suppliers_shares_by_five_year_period(register):
    india = register["IN"]
    deliveries = selectors.party_deliveries(party=india, side="recipient")
    result = selectors.transfer_shares_by_period(deliveries=deliveries, group="supplier")
    # Periods end with India's last year of delivery, 2023, back to 1985's.
    assert result["periods"][0] == "1984–88"
    assert result["periods"][-3:] == ["2009–13", "2014–18", "2019–23"]
    shares = {
        s["code"]: dict(zip(result["periods"], s["shares"], strict=True)) for s in result["series"]
    }
    # 2009-13: Russia 400 of 500 (80 %), France 100 (20 %); 2019-23: Russia 60 of 150 (40 %),
    # France 90 (60 %); 1984-88: the Soviet Union alone.
    assert shares["RU"]["2009–13"] == 80.0
    assert shares["RU"]["2019–23"] == 40.0
    assert shares["FR"]["2019–23"] == 60.0
    assert shares["SUHH"]["1984–88"] == 100.0
    assert shares["RU"]["2014–18"] == 0.0


def test_period_shares_folded(register):
    deliveries = selectors.party_deliveries(party=register["IN"], side="recipient")
    result = selectors.transfer_shares_by_period(
        deliveries=deliveries, group="supplier", fold=True, last_year=2022
    )
    assert result["periods"][-1] == "2018–22"
    russia = next(s for s in result["series"] if s["code"] == "RU")
    assert russia["name"] == "Russia (or Soviet Union before it)"
    assert dict(zip(result["periods"], russia["shares"], strict=True))["1983–87"] == 100.0
    # 2018-22: Russia 60, France 60 (d5's 2021 and 2022): half each.
    assert dict(zip(result["periods"], russia["shares"], strict=True))["2018–22"] == 50.0


def test_party_imports_and_exports_by_year(register):
    france = selectors.party_transfers_by_year(party=register["FR"])
    assert france == [
        {"year": 2011, "imports": 0.0, "exports": 100.0},
        {"year": 2015, "imports": 0.0, "exports": 50.0},
        {"year": 2021, "imports": 0.0, "exports": 30.0},
        {"year": 2022, "imports": 0.0, "exports": 30.0},
        {"year": 2023, "imports": 0.0, "exports": 30.0},
    ]
    russia = selectors.party_transfers_by_year(party=register["RU"], fold=True)
    assert [r["year"] for r in russia][:3] == [1985, 1986, 1987]
    assert russia[0]["exports"] == 100.0


def test_pair_both_directions(register):
    by_year = selectors.pair_transfers_by_year(first=register["IN"], second=register["RU"])
    assert by_year == [
        {"year": 2010, "to_first": 200.0, "to_second": 0.0},
        {"year": 2011, "to_first": 200.0, "to_second": 0.0},
        {"year": 2020, "to_first": 20.0, "to_second": 0.0},
        {"year": 2021, "to_first": 20.0, "to_second": 0.0},
        {"year": 2022, "to_first": 20.0, "to_second": 0.0},
    ]
    folded = selectors.pair_transfers_by_year(
        first=register["IN"], second=register["RU"], fold=True
    )
    assert folded[0] == {"year": 1985, "to_first": 100.0, "to_second": 0.0}


def test_leaders_for_a_period(register):
    leaders = selectors.transfer_leaders(year_min=2011, year_max=2015)
    # 2011: d2 200 + d3 100 to India; 2015: d7 50 to NATO. 350 in all.
    assert [(r["code"], r["tiv"], r["share"]) for r in leaders["importers"]] == [
        ("IN", 300.0, 85.71),
        ("nato", 50.0, 14.29),
    ]
    assert [(r["code"], r["tiv"]) for r in leaders["exporters"]] == [("RU", 200.0), ("FR", 150.0)]


def test_no_register_data(db):
    assert selectors.transfer_totals(deliveries=Delivery.objects.all(), group="year") == []
    assert selectors.transfer_leaders() == {"importers": [], "exporters": []}


def test_one_query_whatever_the_rows(register, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.transfer_totals(deliveries=Delivery.objects.all(), group="supplier")


@pytest.mark.parametrize("group", ["supplier", "recipient", "category"])
@pytest.mark.parametrize("fold", [False, True])
def test_summing_whole_deals_gives_the_same_rows_as_summing_deliveries(register, group, fold):
    # With no year filtered, every delivery of a deal is in, so its shares add up to its TIV.
    for deliveries in (
        Delivery.objects.all(),
        Delivery.objects.filter(deal__seller__code="FR"),
        Delivery.objects.filter(deal__platform__category="fighter_aircraft"),
    ):
        by_delivery = selectors.transfer_totals(deliveries=deliveries, group=group, fold=fold)
        by_deal = selectors.transfer_totals(
            deliveries=deliveries, group=group, fold=fold, whole_deals=True
        )
        assert rows(by_deal) == rows(by_delivery) and by_deal


def test_summed_by_deal_india_imports_what_its_deals_delivered(register):
    # India's deals: 300 + 400 + 100 + 60 + 90; d8 delivered nothing and counts nothing.
    result = selectors.transfer_totals(
        deliveries=Delivery.objects.filter(deal__buyer__code="IN"),
        group="recipient",
        whole_deals=True,
    )
    assert rows(result) == [("IN", "India", 950.0, 100.0)]
