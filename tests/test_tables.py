"""The pages' cached pieces: repeat views read nothing, an edit shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import views
from dashboard.models import Deal, Person
from tests.test_admin import save_through_admin

LIST_VIEWS = [
    views.DealListView,
    views.StatementListView,
    views.PlatformListView,
    views.PartyListView,
    views.SourceListView,
    views.PersonListView,
]


def test_a_repeat_view_of_a_list_reads_nothing_from_the_database(client, india_russia):
    url = "/deals/?buyer=IN&sort=-value_amount"
    first = client.get(url)
    with CaptureQueriesContext(connection) as repeat:
        second = client.get(url)
    assert second.content == first.content
    assert len(repeat) == 0


def test_an_edit_shows_at_once_on_a_page_seen_before(client, india_russia):
    assert b"S-400 Triumf deal" not in client.get("/deals/").content
    deal = Deal.objects.order_by("pk").first()
    deal.title = "S-400 Triumf deal"
    deal.save()
    assert b"S-400 Triumf deal" in client.get("/deals/").content


def test_pages_differing_only_in_parameters_are_kept_apart(client, india_russia):
    by_value = client.get("/deals/?sort=-value_amount").content
    by_title = client.get("/deals/?sort=title").content
    assert by_value != by_title
    assert client.get("/deals/?sort=-value_amount").content == by_value


@pytest.mark.parametrize("url", ["/deals/", "/ties/IN/RU/"])
def test_the_page_cache_can_be_turned_off(client, india_russia, settings, url):
    client.get(url)  # kept while the setting was on
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
    """Pages keep their rendered content; an edit in the admin still shows on the next view
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
    """The kept content skips the page's own queries; only the record (or the pair's two
    parties) behind the title and breadcrumbs is read again."""
    with CaptureQueriesContext(connection) as first_view:
        first = client.get(url)
    with CaptureQueriesContext(connection) as repeat:
        second = client.get(url)
    assert second.status_code == 200
    assert second.content.decode() == first.content.decode()
    assert len(repeat) <= 3 and len(repeat) < len(first_view)


def test_a_record_deleted_after_its_page_was_seen_is_not_found(client, india_russia):
    assert client.get("/people/denis-alipov/").status_code == 200
    person = Person.objects.get(slug="denis-alipov")
    person.statements.all().delete()
    person.delete()
    assert client.get("/people/denis-alipov/").status_code == 404
