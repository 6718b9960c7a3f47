"""A small register of deliveries made with the ORM, whose TIVs and shares are worked out by
hand in the tests that use it (tests/test_transfers.py says how).

Deals (recipient <- supplier, platform: delivered TIV over its years of delivery):
  d1  India <- Soviet Union, jet: 300 over 1985, 1986, 1987 (100 a year)
  d2  India <- Russia, sam:       400 over 2010, 2011       (200 a year)
  d3  India <- France, jet:       100 in 2011
  d4  India <- Russia, tank:       60 over 2020, 2021, 2022  (20 a year)
  d5  India <- France, jet:        90 over 2021, 2022, 2023  (30 a year)
  d6  Hezbollah <- Iran, tank:     10 in 2006
  d7  NATO <- France, sam:         50 in 2015
  d8  India <- Russia, sam: ordered, nothing delivered (no TIV, no years)
Total delivered: 1,010.
"""

from decimal import Decimal

from dashboard.models import Deal, Delivery, Party, Platform
from dashboard.services import delivery_tiv_update


def make_register() -> dict:
    russia = Party.objects.create(code="RU", name="Russia", iso3="RUS")
    parties = {
        "IN": Party.objects.create(code="IN", name="India", iso3="IND"),
        "RU": russia,
        "SUHH": Party.objects.create(
            code="SUHH", name="Soviet Union", kind=Party.Kind.FORMER_STATE, successor=russia
        ),
        "FR": Party.objects.create(code="FR", name="France", iso3="FRA"),
        "IR": Party.objects.create(code="IR", name="Iran", iso3="IRN"),
        "hezbollah-lebanon": Party.objects.create(
            code="hezbollah-lebanon", name="Hezbollah (Lebanon)", kind=Party.Kind.ARMED_GROUP
        ),
        "nato": Party.objects.create(code="nato", name="NATO", kind=Party.Kind.ORGANISATION),
    }
    platforms = {
        "jet": Platform.objects.create(slug="jet", name="Jet", category="fighter_aircraft"),
        "sam": Platform.objects.create(
            slug="sam", name="SAM", category=Platform.Category.SURFACE_TO_AIR_MISSILE
        ),
        "tank": Platform.objects.create(slug="tank", name="Tank", category="tank"),
    }
    deals = [
        ("d1", "IN", "SUHH", "jet", "300", [1985, 1986, 1987]),
        ("d2", "IN", "RU", "sam", "400", [2010, 2011]),
        ("d3", "IN", "FR", "jet", "100", [2011]),
        ("d4", "IN", "RU", "tank", "60", [2020, 2021, 2022]),
        ("d5", "IN", "FR", "jet", "90", [2021, 2022, 2023]),
        ("d6", "hezbollah-lebanon", "IR", "tank", "10", [2006]),
        ("d7", "nato", "FR", "sam", "50", [2015]),
        ("d8", "IN", "RU", "sam", None, []),
    ]
    for slug, buyer, seller, platform, tiv, years in deals:
        deal = Deal.objects.create(
            slug=slug,
            title=f"Deal {slug}",
            buyer=parties[buyer],
            seller=parties[seller],
            platform=platforms[platform],
            stage=Deal.Stage.COMPLETED if years else Deal.Stage.SIGNED,
            tiv_delivered=Decimal(tiv) if tiv else None,
        )
        Delivery.objects.bulk_create(Delivery(deal=deal, year=year) for year in years)
    delivery_tiv_update()  # as every write path does
    return parties
