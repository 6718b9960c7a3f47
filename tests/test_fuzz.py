"""Hostile query strings: every parameter of every list, export, search and pair page gets
random and malicious values. The answer is never a server error, and markup sent in is never
sent back unescaped."""

import re
from urllib.parse import quote, quote_from_bytes

import pytest
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_views import LISTS

# A sort value like "1.5" makes django-tables2 warn about dotted accessors; it then ignores it.
pytestmark = pytest.mark.filterwarnings("ignore:Use '__' to separate path:DeprecationWarning")

HTML = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
]
LINKS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>"]
LINK_ATTRIBUTE = re.compile(r"""\b(?:href|src|action)\s*=\s*["']?\s*(?:javascript|data):""", re.I)
SQL = [
    "' OR 1=1 --",
    "1; DROP TABLE dashboard_deal",
    '" OR ""="',
    "1' UNION SELECT username, password FROM auth_user --",
    "%",
    "_",
    "\\",
]
EDGES = [
    "",
    " ",
    "0",
    "-1",
    "-0",
    "1e999999",
    "-1e999999",
    "NaN",
    "Infinity",
    "-Infinity",
    "1.5",
    "0x10",
    "9" * 400,
    "x" * 10_000,
    "\x00",
    "a\x00b",
    "\u202e",
    "\ufeff",
    "IN",
    "in",
    "RU",
    "s-400-triumf",
    "csv",
    "xlsx",
    "json",
    "talks",
    "signed",
    "-value_amount",
    "title",
    "nonexistent",
]
TEXTS = [
    *(value.encode() for value in HTML + LINKS + SQL + EDGES),
    b"%ff%fe",
    b"\xff\xfe",
    b"\xed\xa0\x80",  # a lone surrogate, as a careless encoder writes it
    b"\xc3",  # a truncated sequence
]

values = st.one_of(
    st.sampled_from(TEXTS),
    st.integers(min_value=-(10**40), max_value=10**40).map(lambda n: str(n).encode()),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: repr(f).encode()),
    # Any code point, lone surrogates included; they become invalid UTF-8 on the wire.
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40).map(
        lambda s: s.encode("utf-8", "surrogatepass")
    ),
    st.binary(max_size=40),
)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def query_string(pairs):
    return "&".join(f"{quote(name)}={quote_from_bytes(value, safe='')}" for name, value in pairs)


def list_parameters(url):
    """Every parameter a list page reads: its filter set's fields, then sorting, paging and
    export."""
    view = resolve(url).func.view_class
    return [*view.filterset_class.base_filters, "sort", "page", "per_page", "_export"]


def assert_answers_safely(client, url, sent):
    response = client.get(url)
    assert response.status_code in {200, 301, 302, 400, 404}, url
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        for name, value in sent:
            text = value.decode("utf-8", "replace")
            if text in HTML:
                assert text not in html, (url, name)
        # A value may be shown as text, never followed as a link.
        assert not LINK_ATTRIBUTE.search(html), url
    return response


@pytest.mark.parametrize("name", LISTS)
def test_list_pages_and_exports_survive_any_query(client, india_russia, name):
    url = reverse(f"dashboard:{name}")
    parameters = list_parameters(url)

    @FUZZ
    @given(st.lists(st.tuples(st.sampled_from(parameters), values), min_size=1, max_size=6))
    def fuzz(pairs):
        assert_answers_safely(client, f"{url}?{query_string(pairs)}", pairs)

    fuzz()


def test_search_survives_any_query(client, india_russia):
    @FUZZ
    @given(st.lists(st.tuples(st.just("q"), values), min_size=1, max_size=2))
    def fuzz(pairs):
        assert_answers_safely(client, f"/search/?{query_string(pairs)}", pairs)

    fuzz()


# Party codes in the address: mostly two characters, near misses of real codes.
segments = st.one_of(
    values,
    st.text(st.sampled_from("INRUinru\x00%<>.'\u00e9\ud800"), min_size=1, max_size=3).map(
        lambda s: s.encode("utf-8", "surrogatepass")
    ),
)


def test_pair_and_party_pages_survive_any_codes(client, india_russia):
    @FUZZ
    @given(segments, segments)
    def fuzz(first, second):
        first_segment = quote_from_bytes(first, safe="") or "IN"
        second_segment = quote_from_bytes(second, safe="") or "RU"
        url = f"/ties/{first_segment}/{second_segment}/"
        assert_answers_safely(client, url, [("first", first), ("second", second)])
        assert_answers_safely(client, f"/parties/{first_segment}/", [("code", first)])

    fuzz()


# --- Cases found on the way, kept as plain tests -----------------------------------------------


NONSENSE = [
    "sort=nonexistent",
    "sort=-nonexistent&sort=title",
    "page=-1",
    "page=0",
    "page=99999",
    "page=abc",
    "page=" + "9" * 30,
    "per_page=abc",
    "per_page=0",
    "per_page=-3",
    "per_page=" + "9" * 30,
    "_export=pdf",
    "_export=csv&per_page=0",
    "_export=json&page=-1",
]


def test_a_nul_in_a_party_code_is_not_found(client, india_russia):
    # PostgreSQL refuses NUL in a string: the query must never be made.
    for url in ["/parties/%00/", "/parties/I%00/", "/ties/IN/R%00/", "/ties/%00/IN/"]:
        assert client.get(url).status_code == 404, url


def test_paging_and_sorting_nonsense_shows_a_page(client, india_russia):
    for query in NONSENSE:
        for url in ["/deals/", "/parties/"]:
            response = client.get(f"{url}?{query}")
            assert response.status_code == 200, f"{url}?{query}"


BAD_FILTERS = [
    ("year_min=abc", "Enter a number"),
    ("year_min=99999", "less than or equal to 9999"),
    ("value_min=1e999999", "less than or equal to"),
    ("value_max=-5", "greater than or equal to 0"),
    ("q=a%00b", "Null characters are not allowed"),
    ("currency=US%00", "Null characters are not allowed"),
    ("buyer=I%00", "Select a valid choice"),
    ("platform=%00", "Null characters are not allowed"),
    ("buyer=XX", "Select a valid choice"),
    ("stage=nonsense", "Select a valid choice"),
]


def test_a_bad_filter_is_shown_as_a_form_error(client, india_russia):
    for query, message in BAD_FILTERS:
        response = client.get(f"/deals/?{query}")
        assert response.status_code == 200, query
        html = response.content.decode()
        assert "Some filters could not be read" in html, query
        assert message in html, query
