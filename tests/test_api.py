"""Reading the API: what a record looks like, paging by cursor and sorting as the tables do,
conditional requests, the analyses' numbers, the login requirement and throttling."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle

from dashboard import selectors
from dashboard.api.authentication import FailedAuthenticationThrottle
from dashboard.api.paging import sort_choices
from dashboard.api.urls import router
from dashboard.api.views import DealViewSet
from dashboard.models import Deal, Party, Platform, Statement
from tests.test_permissions import require_login

S400 = "s-400-2018"
IANS = "ians-alipov-interview-2025-05"


def every_row(client, url):
    """Every row of a list, following `next` from page to page."""
    rows = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        rows += response.json()["results"]
        url = response.json()["next"]
    return rows


# --- What a record looks like ------------------------------------------------------------------


def test_a_deal_reads_with_its_references_dates_money_and_citations(reader_client, india_russia):
    deal = reader_client.get(f"/api/deals/{S400}/").json()
    assert deal["title"] == "S-400 Triumf purchase (2018)"
    assert deal["buyer"] == {
        "code": "IN",
        "name": "India",
        "api_url": "http://testserver/api/parties/IN/",
    }
    assert deal["seller"]["code"] == "RU" and deal["platform"]["slug"] == "s-400-triumf"
    assert (deal["stage"], deal["kind"]) == ("in_delivery", "purchase")
    assert (deal["value_amount"], deal["value_currency"]) == ("5430000000.00", "USD")
    assert (deal["signed"], deal["signed_precision"]) == ("2018", "year")
    assert (deal["expected_completion"], deal["expected_completion_precision"]) == (
        "2026-09",
        "month",
    )
    stored = Deal.objects.get(slug=S400).citations.select_related("source")
    assert [(c["source"]["slug"], c["excerpt"]) for c in deal["citations"]] == [
        (c.source.slug, c.excerpt) for c in stored
    ]
    assert deal["page_url"] == f"http://testserver/deals/{S400}/"
    assert deal["api_url"] == f"http://testserver/api/deals/{S400}/"


def test_an_implied_date_is_marked_uncertain(reader_client, india_russia):
    statements = every_row(reader_client, "/api/statements/")
    assert len(statements) == Statement.objects.count()
    for statement in statements:
        stored = Statement.objects.get(slug=statement["slug"])
        assert statement["uncertain"] == (["date"] if stored.date_note else [])
        assert statement["date_precision"] == stored.date.precision
    source = reader_client.get(f"/api/sources/{IANS}/").json()
    assert (source["published"], source["published_precision"]) == ("2025-05", "month")
    assert source["uncertain"] == ["published"]


def test_every_record_is_read_by_its_natural_key(reader_client, india_russia):
    for prefix, viewset, _basename in router.registry:
        rows = every_row(reader_client, f"/api/{prefix}/")
        assert rows, prefix
        for row in rows[:3]:
            key = row[viewset.lookup_url_kwarg]
            detail = reader_client.get(f"/api/{prefix}/{key}/")
            assert detail.status_code == 200, (prefix, key)
            assert detail.json() == row
            assert row["api_url"] == f"http://testserver/api/{prefix}/{key}/"


def test_an_unknown_record_or_address_is_a_json_404(reader_client, india_russia):
    unknown = ["/api/deals/no-such-deal/", "/api/parties/XX/", "/api/nothing/", "/api/ties/IN/XX/"]
    for url in unknown:
        response = reader_client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"], url
    # The pair's answer names the code that names no party, as it was given.
    for url, code in [("/api/ties/IN/XX/", "XX"), ("/api/ties/xx/ru/", "xx")]:
        assert reader_client.get(url).json()["detail"] == f"No party has the code “{code}”."


# --- Paging and sorting ------------------------------------------------------------------------


def grow_deals(count):
    india, russia = Party.objects.get(code="IN"), Party.objects.get(code="RU")
    platform = Platform.objects.get(slug="s-400-triumf")
    for i in range(count):
        deal = Deal(
            slug=f"grown-{i}",
            title=f"Deal {i % 4}",  # equal titles: the order must still hold across pages
            buyer=india,
            seller=russia,
            platform=platform,
            stage="signed",
            value_amount=None if i % 3 == 0 else i * 1000,
            value_currency="" if i % 3 == 0 else "USD",
            signed=None if i % 5 == 0 else f"{2000 + i % 7}",
        )
        deal.full_clean()  # as the admin, the loader and the API write a deal
        deal.save()


def test_cursor_paging_gives_every_row_once_in_every_sort(reader_client, india_russia):
    # 27 deals in pages of 6, with equal titles and unknown values and dates: ties a page
    # boundary must neither split nor repeat.
    grow_deals(16)
    for sort in ["", *sort_choices(DealViewSet)]:
        whole = reader_client.get(f"/api/deals/?sort={sort}&per_page=1000").json()
        assert whole["next"] is None
        paged = every_row(reader_client, f"/api/deals/?sort={sort}&per_page=6")
        assert [d["slug"] for d in paged] == [d["slug"] for d in whole["results"]], sort
        assert len(paged) == Deal.objects.count()


@pytest.mark.parametrize("prefix", [p for p, viewset, _ in router.registry if viewset.table_class])
def test_every_list_pages_through_every_sort(reader_client, india_russia, prefix):
    viewset = next(v for p, v, _ in router.registry if p == prefix)
    for sort in ["", *sort_choices(viewset)]:
        whole = reader_client.get(f"/api/{prefix}/?sort={sort}&per_page=1000").json()["results"]
        paged = every_row(reader_client, f"/api/{prefix}/?sort={sort}&per_page=2")
        assert [r["api_url"] for r in paged] == [r["api_url"] for r in whole], (prefix, sort)
        assert len(whole) == viewset.queryset.count()


def test_unknown_values_come_last_in_either_direction(reader_client, india_russia):
    grow_deals(10)
    # Stated values sort on one scale, constant dollars (tests/test_money.py).
    for sort in ["value_amount", "-value_amount"]:
        rows = every_row(reader_client, f"/api/deals/?sort={sort}")
        values = [d["value_usd_constant"] for d in rows]
        known = [float(v) for v in values if v is not None]
        assert values[: len(known)] == [v for v in values if v is not None], sort
        assert known == sorted(known, reverse=sort.startswith("-")), sort
        assert all(v is None for v in values[len(known) :])


def test_the_sort_is_the_pages(reader_client, india_russia):
    api = [d["title"] for d in every_row(reader_client, "/api/deals/?sort=-title")]
    page = json.loads(reader_client.get("/deals/?sort=-title&_export=json").getvalue())
    assert api == [row["Title"] for row in page]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("sort=nonsense", "sort", "is not a column to sort by"),
        ("per_page=0", "per_page", "from 1 to 1000"),
        ("per_page=1001", "per_page", "from 1 to 1000"),
        ("per_page=many", "per_page", "from 1 to 1000"),
        ("cursor=forged", "cursor", "not one this list gave"),
    ],
)
def test_bad_paging_is_a_400_naming_the_parameter(
    reader_client, india_russia, query, field, message
):
    response = reader_client.get(f"/api/deals/?{query}")
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_a_cursor_belongs_to_its_sort(reader_client, india_russia):
    following = reader_client.get("/api/deals/?sort=title&per_page=2").json()["next"]
    assert following
    other = following.replace("sort=title", "sort=-title")
    response = reader_client.get(other)
    assert response.status_code == 400
    assert "another sort" in response.json()["cursor"][0]


# --- Conditional requests ----------------------------------------------------------------------


def test_a_request_naming_the_current_etag_gets_304(reader_client, india_russia, staff_client):
    for url in ["/api/deals/?buyer=IN", f"/api/deals/{S400}/", "/api/overview/", "/api/ties/"]:
        first = reader_client.get(url)
        etag = first["ETag"]
        assert first.status_code == 200 and etag
        again = reader_client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b"", url
        assert reader_client.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert reader_client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
        assert first["Cache-Control"] == "no-cache"
    # Any change to the data changes every ETag.
    url = "/api/overview/"
    etag = reader_client.get(url)["ETag"]
    Deal.objects.filter(slug=S400).update(notes="x")  # no signal: the data version holds
    assert reader_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    deal = Deal.objects.get(slug=S400)
    deal.notes = "Changed."
    deal.save()
    changed = reader_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_304_reads_no_record(client, india_russia):
    url = "/api/statements/?platform=s-400-triumf"
    etag = client.get(url)["ETag"]
    tables = [model._meta.db_table for model in (Statement, Platform, Deal, Party)]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # At most the data version is read.
    assert not [q["sql"] for q in captured if any(f'"{t}"' in q["sql"] for t in tables)]


@pytest.mark.parametrize("seconds", [3600, 0], ids=["cached", "not cached"])
def test_an_answer_is_cached_for_its_address_until_the_data_changes(
    client, india_russia, settings, seconds
):
    settings.DASHBOARD_PAGE_CACHE_SECONDS = seconds
    url = "/api/deals/?buyer=IN&sort=-value_amount"
    first = client.get(url)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url)
    assert again.json() == first.json() and again["ETag"] == first["ETag"]
    record_queries = [q for q in captured if '"dashboard_deal"' in q["sql"]]
    assert bool(record_queries) == (seconds == 0)
    deal = Deal.objects.get(slug=S400)
    deal.title = "S-400 Triumf purchase"
    deal.save()
    changed = client.get(url).json()["results"]
    assert "S-400 Triumf purchase" in [d["title"] for d in changed]


# --- Analyses ----------------------------------------------------------------------------------


def test_the_overview_has_the_overview_pages_numbers(reader_client, india_russia):
    assert reader_client.get("/api/overview/").json() == json.loads(
        json.dumps(selectors.overview_data())
    )


def test_a_pair_has_its_pages_numbers_in_either_order(reader_client, india_russia):
    india, russia = Party.objects.get(code="IN"), Party.objects.get(code="RU")
    expected = json.loads(json.dumps(selectors.pair_figures(first=india, second=russia)))
    for url in ["/api/ties/IN/RU/", "/api/ties/RU/IN/"]:
        figures = reader_client.get(url).json()
        assert (figures["first"]["code"], figures["second"]["code"]) == ("IN", "RU")
        assert {key: figures[key] for key in expected} == expected
        assert figures["page_url"] == "http://testserver/ties/IN/RU/"
    ties = reader_client.get("/api/ties/").json()
    assert ties[0]["first"] == "IN" and ties[0]["deals"] == expected["deal_count"]
    assert ties[0]["api_url"] == "http://testserver/api/ties/IN/RU/"
    assert reader_client.get("/api/ties/IN/IN/").status_code == 400


# --- Who may read ------------------------------------------------------------------------------


def test_with_login_required_the_api_needs_a_login_or_a_token(
    client, india_russia, django_user_model, settings
):
    require_login(settings)
    reader = django_user_model.objects.create_user("reader", password="pw")
    token = Token.objects.create(user=reader)
    for url in ["/api/deals/", f"/api/deals/{S400}/", "/api/overview/", "/api/schema/"]:
        refused = client.get(url)
        assert refused.status_code == 401, url
        assert refused["WWW-Authenticate"] == "Token"
        answered = Client().get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
        assert answered.status_code == 200
        if url != "/api/schema/":
            assert answered["Cache-Control"] == "no-cache, private"
    # The documentation page, for browsers, sends to the sign-in page as every page does.
    assert client.get("/api/docs/").status_code == 302
    client.force_login(reader)
    assert client.get("/api/deals/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_without_login_required_reading_is_open(client, india_russia):
    assert client.get("/api/deals/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


# --- Throttling --------------------------------------------------------------------------------


def test_anonymous_reads_are_throttled_signed_in_ones_are_not(client, reader_client, db):
    allowed = AnonRateThrottle().num_requests
    anonymous = Client()
    statuses = [anonymous.get("/api/parties/").status_code for _ in range(allowed + 1)]
    assert statuses[:allowed] == [200] * allowed
    assert statuses[-1] == 429
    refused = anonymous.get("/api/parties/")
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"]
    # Another address is another count; a forwarded-for header is not believed.
    assert Client(REMOTE_ADDR="10.0.0.2").get("/api/parties/").status_code == 200
    spoofed = anonymous.get("/api/parties/", HTTP_X_FORWARDED_FOR="10.0.0.3")
    assert spoofed.status_code == 429
    assert all(reader_client.get("/api/parties/").status_code == 200 for _ in range(3))


def test_failed_authentication_is_throttled_per_address(db, django_user_model):
    good = Token.objects.create(user=django_user_model.objects.create_user("r", password="pw"))
    allowed = FailedAuthenticationThrottle().num_requests
    guesser = Client()
    for _ in range(allowed):
        response = guesser.get("/api/parties/", HTTP_AUTHORIZATION="Token wrong")
        assert response.status_code == 401
        assert response.json()["detail"] == "Invalid token."
    locked = guesser.get("/api/parties/", HTTP_AUTHORIZATION=f"Token {good.key}")
    assert locked.status_code == 429
    assert "failed authentications" in locked.json()["detail"]
    elsewhere = Client(REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION=f"Token {good.key}")
    assert elsewhere.get("/api/parties/").status_code == 200


def test_an_empty_database_has_empty_lists(client, db):
    assert client.get("/api/deals/").json() == {"next": None, "results": []}
