"""/api/transfers/: the transfers page's selector, filters, grouping and shares, as JSON with
its schema; and the page itself against hostile query strings."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.register_sample import make_register
from tests.test_fuzz import FUZZ, assert_answers_safely, list_parameters, query_string, values


@pytest.fixture
def register(db):
    return make_register()


def test_rows_with_shares(reader_client, register):
    answer = reader_client.get("/api/transfers/?group=recipient").json()
    assert answer["group"] == "recipient" and answer["fold"] is False
    assert answer["total_tiv"] == 1010.0
    assert answer["rows"] == [
        {"code": "IN", "name": "India", "tiv": 950.0, "share": 94.06},
        {"code": "nato", "name": "NATO", "tiv": 50.0, "share": 4.95},
        {"code": "hezbollah-lebanon", "name": "Hezbollah (Lebanon)", "tiv": 10.0, "share": 0.99},
    ]
    assert answer["page_url"].endswith("/transfers/?group=recipient")


def test_filters_and_fold(reader_client, register):
    answer = reader_client.get("/api/transfers/?supplier=RU&fold=true&group=year").json()
    assert [row["code"] for row in answer["rows"]][:4] == ["1985", "1986", "1987", "2010"]
    assert answer["total_tiv"] == 760.0
    answer = reader_client.get(
        "/api/transfers/?recipient=IN&year_min=2019&year_max=2023&group=supplier"
    ).json()
    # 2019-23: Russia 60, France 90.
    assert [(r["code"], r["share"]) for r in answer["rows"]] == [("FR", 60.0), ("RU", 40.0)]


def test_bad_filters_are_400s_naming_the_field(reader_client, register):
    response = reader_client.get("/api/transfers/?recipient=XX&group=colour")
    assert response.status_code == 400
    assert set(response.json()) >= {"recipient", "group"}


def test_in_the_schema_with_its_filters(reader_client, db):
    schema = reader_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/transfers/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"recipient", "supplier", "year_min", "year_max", "category", "group", "fold"} <= names
    assert "400" in operation["responses"]


def test_query_count_does_not_grow(reader_client, register, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert reader_client.get("/api/transfers/?group=year").status_code == 200


def test_transfers_page_survives_any_query(client, register):
    url = reverse("dashboard:transfer-list")
    parameters = list_parameters(url)

    @FUZZ
    @given(st.lists(st.tuples(st.sampled_from(parameters), values), min_size=1, max_size=6))
    def fuzz(pairs):
        assert_answers_safely(client, f"{url}?{query_string(pairs)}", pairs)

    fuzz()


def test_pair_figures_take_codes_in_either_case(reader_client, register):
    answer = reader_client.get("/api/ties/NATO/fr/").json()
    assert (answer["first"]["code"], answer["second"]["code"]) == ("FR", "nato")


@pytest.mark.parametrize("query", ["fold=null", "fold=true&fold=true", "fold=yes"])
def test_the_switch_takes_on_or_off_only(reader_client, register, query):
    response = reader_client.get(f"/api/transfers/?{query}")
    assert response.status_code == 400 and "fold" in response.json()


def test_the_switch_off(reader_client, register):
    answer = reader_client.get("/api/transfers/?fold=false").json()
    assert answer["fold"] is False and answer["rows"][1]["code"] == "SUHH"
