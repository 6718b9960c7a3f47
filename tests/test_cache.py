"""The pages' cached content: a repeat view reads only the data version, an edit or a load
shows at once in every process, whatever its cache."""

import json

import pytest
from django.core import serializers
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard import views
from dashboard.cache import data_changed
from dashboard.models import Deal, Party, Person
from tests.test_admin import save_through_admin

LIST_VIEWS = [
    views.DealListView,
    views.StatementListView,
    views.PlatformListView,
    views.PartyListView,
    views.SourceListView,
    views.PersonListView,
]


def test_a_repeat_view_of_a_list_reads_only_the_data_version(client, india_russia):
    url = "/deals/?buyer=IN&sort=-value_amount"
    first = client.get(url)
    with CaptureQueriesContext(connection) as repeat:
        second = client.get(url)
    assert second.content == first.content
    assert len(repeat) == 1 and "dashboard_dataversion" in repeat[0]["sql"]


def test_an_edit_shows_at_once_on_a_page_seen_before(client, india_russia):
    assert b"S-400 Triumf deal" not in client.get("/deals/").content
    deal = Deal.objects.order_by("pk").first()
    deal.title = "S-400 Triumf deal"
    deal.save()
    assert b"S-400 Triumf deal" in client.get("/deals/").content


def test_pages_differing_only_in_parameters_are_cached_apart(client, india_russia):
    by_value = client.get("/deals/?sort=-value_amount").content
    by_title = client.get("/deals/?sort=title").content
    assert by_value != by_title
    assert client.get("/deals/?sort=-value_amount").content == by_value


@pytest.mark.parametrize("url", ["/deals/", "/ties/IN/RU/"])
def test_the_page_cache_can_be_turned_off(client, india_russia, settings, url):
    client.get(url)  # cached while the setting was on
    settings.DASHBOARD_PAGE_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as repeat:
        client.get(url)
    assert len(repeat) == len(first) > 0


@pytest.mark.parametrize(
    "url",
    [
        "/deals/",
        "/deals/s-400-2018/",
        "/platforms/s-400-triumf/",
        "/parties/IN/",
        "/ties/IN/RU/",
        "/search/?q=S-400",
        "/sources/ians-alipov-interview-2025-05/",
    ],
)
def test_every_page_shows_an_admin_edit_at_once(staff_client, india_russia, url):
    """Pages cache their rendered content; an edit in the admin still shows on the next view
    of a page seen before it."""
    deal = Deal.objects.get(slug="s-400-2018")
    changed = "S-400 Triumf, renamed in the admin"
    assert changed not in staff_client.get(url).content.decode()
    response = save_through_admin(
        staff_client, f"/admin/dashboard/deal/{deal.pk}/change/", title=changed
    )
    assert response.status_code == 302
    assert changed in staff_client.get(url).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/deals/s-400-2018/",
        "/platforms/s-400-triumf/",
        "/parties/IN/",
        "/people/denis-alipov/",
        "/sources/ians-alipov-interview-2025-05/",
        "/ties/IN/RU/",
        "/search/?q=S-400",
    ],
)
def test_a_repeat_view_of_a_page_is_the_same_page_from_fewer_queries(client, india_russia, url):
    """The cached content skips the page's own queries, and the record (or the pair's two
    parties) behind the title and breadcrumbs is cached too: only the data version is read."""
    with CaptureQueriesContext(connection) as first_view:
        first = client.get(url)
    with CaptureQueriesContext(connection) as repeat:
        second = client.get(url)
    assert second.status_code == 200
    assert second.content.decode() == first.content.decode()
    assert len(repeat) == 1 < len(first_view)


def test_a_pair_page_seen_before_a_party_is_renamed_shows_the_new_name(staff_client, india_russia):
    """A repeat view of a pair's page reads only the data version: its parties come from the
    cache too, and a party renamed in the admin still shows at once, title and all."""
    client = Client()  # a reader: no session, no user to read
    client.get("/ties/IN/RU/")
    with CaptureQueriesContext(connection) as repeat:
        client.get("/ties/IN/RU/")
    assert len(repeat) == 1
    russia = Party.objects.get(code="RU")
    response = save_through_admin(
        staff_client, f"/admin/dashboard/party/{russia.pk}/change/", name="Rossiya"
    )
    assert response.status_code == 302
    page = client.get("/ties/IN/RU/").content.decode()
    assert "<title>India – Rossiya" in page


def test_a_record_deleted_after_its_page_was_seen_is_not_found(client, india_russia):
    assert client.get("/people/denis-alipov/").status_code == 200
    person = Person.objects.get(slug="denis-alipov")
    person.statements.all().delete()
    person.delete()
    assert client.get("/people/denis-alipov/").status_code == 404


def memory_cache(name):
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
    }


def test_a_load_from_the_command_line_shows_at_once_in_every_process(
    client, india_russia, settings, tmp_path
):
    """Each server process may have a cache of its own (the default, in its memory), and the
    command line another: the next view of a page after a load still shows the load."""
    url = "/deals/?q=s-400"
    settings.CACHES = memory_cache("server-process")
    first = client.get(url).content.decode()
    assert "S-400, renamed by a load" not in first
    assert client.get(url).content.decode() == first  # served from this process's cache

    deal = Deal.objects.get(slug="s-400-2018")
    deal.title = "S-400, renamed by a load"
    records = json.loads(
        serializers.serialize(
            "json", [deal], use_natural_foreign_keys=True, use_natural_primary_keys=True
        )
    )
    fixture = tmp_path / "rename.json"
    fixture.write_text(json.dumps(records))
    settings.CACHES = memory_cache("command-line")
    call_command("load_fixtures", str(fixture), verbosity=0)

    settings.CACHES = memory_cache("server-process")
    assert "S-400, renamed by a load" in client.get(url).content.decode()
    for name in ["server-process", "command-line"]:
        settings.CACHES = memory_cache(name)
        cache.clear()


def test_an_edit_rolled_back_keeps_the_cached_pages(client, india_russia):
    """The data version is written with the change, in its transaction."""
    from django.db import transaction

    client.get("/deals/")
    with CaptureQueriesContext(connection) as before:
        client.get("/deals/")

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        Deal.objects.filter(slug="s-400-2018").update(title="Never saved")
        data_changed()
        raise Undo
    with CaptureQueriesContext(connection) as after:
        page = client.get("/deals/").content.decode()
    assert len(after) == len(before) == 1 and "Never saved" not in page


def test_sorting_or_paging_alone_sets_no_filter(client, india_russia):
    for url in ["/deals/?sort=title", "/deals/?page=1", "/deals/?sort=-signed&per_page=10"]:
        html = client.get(url).content.decode()
        assert "match these filters" not in html and ">Clear</a>" not in html, url
        assert "Export all rows" in html, url
    html = client.get("/deals/?buyer=IN&sort=title").content.decode()
    assert "match these filters" in html and ">Clear</a>" in html
    assert "Export these rows" in html
