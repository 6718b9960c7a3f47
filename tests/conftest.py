"""Shared test set-up: the project's fixtures and users of each kind."""

import pytest
from django.core.management import call_command

from dashboard.models import Agreement, AgreementCitation, Deal, Delivery, Party, Source


@pytest.fixture
def india_russia(db):
    """The data set derived from the two articles, loaded as `make run` loads it, so that every
    model has a record: with one year of delivery as SIPRI's register lists it, and one agreement
    signed (the articles name neither; the excerpt is the article's)."""
    call_command("loaddata", "india_russia", verbosity=0)
    Delivery.objects.create(deal=Deal.objects.get(slug="s-400-2018"), year=2021)
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
