"""Shared test set-up: the project's fixtures and users of each kind."""

from io import StringIO

import pytest
from django.core.management import call_command

from dashboard.models import Agreement, AgreementCitation, Deal, Delivery, Party, Source
from dashboard.services import delivery_tiv_update
from tests.replay import Replay


@pytest.fixture
def india_russia(db):
    """The data set derived from the two articles, the records `make run` loads, so that every
    model has a record: with one year of delivery as SIPRI's register lists it, and one agreement
    signed (the articles name neither; the excerpt is the article's). Built for real by the first
    test of each test process that asks for it, replayed after (tests/replay.py)."""
    _india_russia()


@Replay
def _india_russia():
    call_command("loaddata", "india_russia", verbosity=0)
    call_command("convert_values", stdout=StringIO())  # what clean() stores, which loaddata skips
    delivery = Delivery.objects.create(deal=Deal.objects.get(slug="s-400-2018"), year=2021)
    delivery_tiv_update(deal_ids=[delivery.deal_id])  # as every write path does
    agreement_create()


def agreement_create() -> Agreement:
    """An agreement India and Russia signed, for the tests (the articles name none; the excerpt
    is the article's)."""
    agreement = Agreement.objects.create(
        slug="technology-agreement-test",
        name="Technology agreement (test record)",
        kind=Agreement.Kind.TECHNOLOGY,
        status=Agreement.Status.SIGNED,
        signed="2025-12",
        notes="A test record: the articles name no agreement, only that officials expected "
        "further agreements at the December summit.",
    )
    agreement.parties.set(Party.objects.filter(code__in=["IN", "RU"]))
    AgreementCitation.objects.create(
        agreement=agreement,
        source=Source.objects.get(slug="agencies-alipov-putin-visit-2025"),
        excerpt="Officials expect the December summit to see further agreements in cutting-edge "
        "technology, weapons co-development, and space cooperation.",
    )
    return agreement


# A register row as SIPRI's export writes it (written for the tests, not SIPRI's data).
REGISTER_TEXT = (
    "Transfers of major conventional arms from All countries to All countries.\n"
    "Source: SIPRI Arms Transfers Database (c) SIPRI.\n"
    "Recipient,Supplier,Year of order,,Number ordered,,Weapon designation,Weapon description,"
    "Number delivered,,Year(s) of delivery,status,Comments,SIPRI TIV per unit,"
    "SIPRI TIV for total order,SIPRI TIV of delivered weapons\n"
    "India,Russia,2018,,10,,S-400 Triumf,SAM system,6,?,2021; 2022; 2023,New,"
    "INR390 b ($5.4 b) deal,120,1200,720\n"
    "Hezbollah (Lebanon)*,Iran,2006,?,20,?,Fajr-5,self-propelled MRL,20,?,2006,"
    "Second hand,,0.5,10,10\n"
)
S400_ROW = (
    "India,Russia,2018,,10,,S-400 Triumf,SAM system,6,?,2021; 2022; 2023,New,"
    "INR390 b ($5.4 b) deal,120,1200,720"
)


@pytest.fixture
def register(india_russia):
    """What an import of SIPRI's register would add to the articles' data: the export as a
    source, the S-400 deal's row cited with SIPRI's figures beside the article's, and a deal
    with a non-state buyer whose figures SIPRI marks as uncertain. Replayed as `india_russia`
    is."""
    _register()
    return Source.objects.get(slug="sipri-trade-register-2024-10-13")


@Replay
def _register():
    from dashboard.models import Party, Platform

    source = Source.objects.create(
        slug="sipri-trade-register-2024-10-13",
        title="SIPRI Arms Transfers Database: trade register",
        publisher="SIPRI",
        published="2024-10-13",
        text=REGISTER_TEXT,
    )
    s400 = Deal.objects.get(slug="s-400-2018")
    s400.condition = Deal.Condition.NEW
    s400.tiv_per_unit, s400.tiv_total, s400.tiv_delivered = 120, 1200, 720
    s400.save()
    for year in (2022, 2023):
        Delivery.objects.create(deal=s400, year=year)
    delivery_tiv_update(deal_ids=[s400.pk])  # as every write path does
    s400.citations.create(
        source=source,
        excerpt=S400_ROW,
        quantity=10,
        quantity_delivered=6,
        quantity_delivered_uncertain=True,
        ordered=2018,
        value_amount=5_400_000_000,
        value_currency="USD",
        comment="INR390 b ($5.4 b) deal",
    )
    hezbollah = Party.objects.create(
        code="hezbollah-lebanon", name="Hezbollah (Lebanon)", kind=Party.Kind.ARMED_GROUP
    )
    iran = Party.objects.create(code="IR", iso3="IRN", name="Iran")
    russia = Party.objects.get(code="RU")
    Party.objects.create(code="SUHH", name="Soviet Union", kind="former_state", successor=russia)
    rockets = Platform.objects.create(slug="fajr-5", name="Fajr-5", category="artillery")
    deal = Deal.objects.create(
        slug="fajr-5-hezbollah-2006",
        title="Fajr-5 for Hezbollah (2006)",
        buyer=hezbollah,
        seller=iran,
        platform=rockets,
        stage=Deal.Stage.COMPLETED,
        quantity=20,
        quantity_uncertain=True,
        quantity_delivered=20,
        quantity_delivered_uncertain=True,
        signed="2006",
        signed_uncertain=True,
        condition=Deal.Condition.SECOND_HAND,
        tiv_per_unit="0.5",
        tiv_total=10,
        tiv_delivered=10,
    )
    Delivery.objects.create(deal=deal, year=2006)
    delivery_tiv_update(deal_ids=[deal.pk])
    deal.citations.create(
        source=source,
        excerpt="Hezbollah (Lebanon)*,Iran,2006,?,20,?,Fajr-5",
        quantity=20,
        quantity_uncertain=True,
        quantity_delivered=20,
        quantity_delivered_uncertain=True,
        ordered=2006,
        ordered_uncertain=True,
    )


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def reader_client(client, django_user_model):
    """A signed-in reader (no staff, no group): reads the API as often as it likes, where an
    anonymous client is throttled."""
    client.force_login(django_user_model.objects.create_user("reader", password="pw"))
    return client


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache, as a freshly started server does."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
