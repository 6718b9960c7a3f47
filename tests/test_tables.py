"""The tables' export rows and the list pages' kept (cached) pieces."""

import gzip

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_tables2 import Table

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


def table_for(view_class):
    view = view_class()
    view.setup(RequestFactory().get("/"))
    view.object_list = view.get_queryset()
    table = view.get_table(**view.get_table_kwargs())
    table.paginate(per_page=500)
    return table


DATA = {
    "articles": lambda: call_command("loaddata", "india_russia", verbosity=0),
    "synthetic": lambda: call_command("generate_synthetic", scale=0.001, seed=3, verbosity=0),
}


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("view_class", LIST_VIEWS, ids=lambda v: v.__name__)
def test_export_rows_are_those_django_tables2_gives(db, view_class, data):
    """The faster export path writes, cell for cell, what the library's own would."""
    DATA[data]()
    ours = list(table_for(view_class).as_values())
    library = list(Table.as_values(table_for(view_class)))
    assert len(ours) > 2
    assert ours == library


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("view_class", LIST_VIEWS, ids=lambda v: v.__name__)
def test_shown_cells_are_those_django_tables2_renders(db, view_class, data):
    DATA[data]()
    ours = list(table_for(view_class).page_cells())
    library = [list(row) for row in table_for(view_class).paginated_rows]
    assert len(ours) >= 2
    assert ours == library


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


@pytest.mark.parametrize("url", ["/deals/", "/ties/IN/RU/", "/deals/?_export=csv"])
def test_the_page_cache_can_be_turned_off(client, india_russia, settings, url):
    client.get(url)  # kept while the setting was on
    settings.DASHBOARD_PAGE_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as repeat:
        client.get(url)
    assert len(repeat) == len(first) > 0


def test_a_repeat_export_is_the_same_file_and_an_edit_shows_at_once(client, india_russia):
    url = "/deals/?buyer=IN&_export=csv"
    first = client.get(url)
    with CaptureQueriesContext(connection) as repeat:
        second = client.get(url)
    assert second.content == first.content and len(repeat) == 0
    assert second["Content-Disposition"] == first["Content-Disposition"]
    deal = Deal.objects.filter(buyer__code="IN").order_by("pk").first()
    deal.title = "Renamed in the admin"
    deal.save()
    assert "Renamed in the admin" in client.get(url).content.decode()


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


def test_a_browser_gets_the_export_compressed_and_other_clients_plain(client, india_russia):
    """Browsers accept gzip: the kept CSV goes to them as it is kept, compressed; a client
    that does not say so gets the same file plain."""
    url = "/deals/?_export=csv"
    for _ in range(2):  # written, then kept
        plain = client.get(url)
        packed = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
        assert "Content-Encoding" not in plain
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert "S-400" in plain.content.decode()
        assert packed["Content-Disposition"] == plain["Content-Disposition"]
        assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in packed["Vary"]


def test_spreadsheets_are_not_compressed_again(client, india_russia):
    response = client.get("/deals/?_export=xlsx", headers={"accept-encoding": "gzip"})
    assert "Content-Encoding" not in response
    assert response.content.startswith(b"PK")  # an XLSX file is a zip archive
