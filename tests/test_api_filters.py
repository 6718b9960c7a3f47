"""The same filter on a page and on its endpoint gives the same rows, for every filter of every
table: the filters are read from each filter set, so a new filter is tested as soon as it is
declared. A bad value gives the page's message as a 400."""

import json
from urllib.parse import urlencode

import django_filters
import pytest
from django.urls import reverse
from django.utils.html import escape

from dashboard.api.urls import router
from dashboard.filters import SwitchFilter

# The endpoints that mirror a page: (API prefix, viewset), one per table.
MIRRORED = [(prefix, viewset) for prefix, viewset, _ in router.registry if viewset.list_view]

# Texts to search and name records by: names, slugs, codes and words of the data set, and one
# that matches nothing.
TEXTS = [
    "S-400",
    "s-400-triumf",
    "brahmos",
    "India",
    "alipov",
    "denis-alipov",
    "IANS",
    "sindoor",
    "s-400-2018",
    "USD",
    "working group",
    "narendra-modi",
    "technology",
    "nothing-at-all",
]
NUMBERS = [0, 2018, 2025, 2026, 5_000_000_000, 6_000_000_000, 10_000_000_000]


def probes(filter_field) -> list:
    """Values to try in a filter: each of its choices, or texts or numbers of the data."""
    if isinstance(filter_field, SwitchFilter):
        return ["on", "0"]
    choices = filter_field.extra.get("choices")
    if callable(choices):
        choices = choices()
    if isinstance(filter_field, django_filters.MultipleChoiceFilter):
        values = [value for value, _label in choices]
        return [[value] for value in values] + [values[:3]]
    if choices is not None:
        return [value for value, _label in choices]
    if isinstance(filter_field, django_filters.NumberFilter):
        low = filter_field.extra.get("min_value", -(10**20))
        high = filter_field.extra.get("max_value", 10**20)
        return [number for number in NUMBERS if low <= number <= high]
    return TEXTS


def bad_value(filter_field) -> str:
    if isinstance(filter_field, django_filters.NumberFilter):
        return "many"
    if filter_field.extra.get("choices") is not None:
        return "nonsense"
    return "a\x00b"


def page_keys(client, viewset, query: str) -> list[str]:
    """The key of every row the page's export holds for this query."""
    table = viewset.table_class(viewset.queryset.none())
    key_column = table.columns[viewset.lookup_field].header
    url = reverse(f"dashboard:{viewset.serializer_class.basename()}-list")
    response = client.get(f"{url}?{query}&_export=json")
    assert response.status_code == 200, (url, query)
    return sorted(row[key_column] for row in json.loads(response.getvalue()))


def api_keys(client, prefix, viewset, query: str) -> list[str]:
    """The key of every row the endpoint gives for this query, page after page."""
    url, keys = f"/api/{prefix}/?{query}&per_page=5", []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.json()
        keys += [row[viewset.lookup_url_kwarg] for row in body["results"]]
        url = body["next"]
    return sorted(keys)


@pytest.mark.parametrize(("prefix", "viewset"), MIRRORED, ids=[p for p, _ in MIRRORED])
def test_every_filter_gives_the_pages_rows(reader_client, register, prefix, viewset):
    # On the articles' data and a register's rows, so that every filter (condition, TIV, a
    # party of every kind) finds some rows and not all.
    client = reader_client
    everything = api_keys(client, prefix, viewset, "")
    assert everything == page_keys(client, viewset, "")
    for name, filter_field in viewset.filterset_class.base_filters.items():
        found = []
        for value in probes(filter_field):
            query = urlencode({name: value}, doseq=True)
            if client.get(f"/api/{prefix}/?{query}").status_code == 400:
                # A value this filter refuses (too long, say): both say so, as the next test
                # checks for bad values of every filter.
                assert_same_message(client, prefix, viewset, name, query)
                continue
            keys = api_keys(client, prefix, viewset, query)
            assert keys == page_keys(client, viewset, query), (prefix, query)
            found.append(keys)
        # The probes find rows, and not always every row: the filter is applied on both sides.
        # A switch (fold) only shapes other filters, so alone it keeps every row.
        assert any(found), (prefix, name)
        if not isinstance(filter_field, SwitchFilter):
            assert any(keys != everything for keys in found), (prefix, name)


@pytest.mark.parametrize(("prefix", "viewset"), MIRRORED, ids=[p for p, _ in MIRRORED])
def test_a_bad_filter_value_is_a_400_with_the_pages_message(
    reader_client, india_russia, prefix, viewset
):
    client = reader_client
    for name, filter_field in viewset.filterset_class.base_filters.items():
        query = urlencode({name: bad_value(filter_field)})
        assert_same_message(client, prefix, viewset, name, query)


def assert_same_message(client, prefix, viewset, name, query):
    response = client.get(f"/api/{prefix}/?{query}")
    assert response.status_code == 400, (prefix, query)
    messages = response.json()[name]
    assert messages, (prefix, query)
    url = reverse(f"dashboard:{viewset.serializer_class.basename()}-list")
    page = client.get(f"{url}?{query}").content.decode()
    assert "Some filters could not be read" in page, (prefix, query)
    for message in messages:
        assert escape(message) in page, (prefix, query, message)


def test_the_issues_example_holds_the_same_rows(client, india_russia):
    api = client.get("/api/deals/?buyer=IN&stage=signed").json()["results"]
    assert {deal["stage"] for deal in api} == {"signed"}
    assert {deal["buyer"]["code"] for deal in api} == {"IN"}
    slugs = sorted(deal["slug"] for deal in api)
    page = json.loads(client.get("/deals/?buyer=IN&stage=signed&_export=json").getvalue())
    assert slugs == sorted(row["Slug"] for row in page) and len(slugs) == 7
