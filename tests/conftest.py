"""Shared test set-up: the project's fixtures and users of each kind."""

import pytest
from django.core.management import call_command

from dashboard.models import Deal, Delivery


@pytest.fixture
def india_russia(db):
    """The data set derived from the two articles, loaded as `make run` loads it, and one year
    of delivery as SIPRI's register lists it (the articles name none), so that every model has
    a record."""
    call_command("loaddata", "india_russia", verbosity=0)
    Delivery.objects.create(deal=Deal.objects.get(slug="s-400-2018"), year=2021)


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
