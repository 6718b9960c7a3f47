"""The API on a register's figures: parties of every kind with their successors, a deal's
condition, TIVs, uncertain figures and years of delivery, and each citation's own figures, all
as the schema documents them."""

import pytest

S400 = "s-400-2018"
FAJR = "fajr-5-hezbollah-2006"


def test_a_deal_gives_its_condition_tivs_uncertain_figures_and_years(reader_client, register):
    deal = reader_client.get(f"/api/deals/{FAJR}/").json()
    assert deal["buyer"]["code"] == "hezbollah-lebanon"
    assert deal["condition"] == "second_hand"
    assert (deal["tiv_per_unit"], deal["tiv_total"], deal["tiv_delivered"]) == (
        "0.500",
        "10.000",
        "10.000",
    )
    assert deal["uncertain"] == ["quantity", "quantity_delivered", "signed"]
    assert (deal["quantity"], deal["quantity_uncertain"]) == (20, True)
    assert deal["signed_uncertain"] is True
    assert deal["delivery_years"] == [2006]
    s400 = reader_client.get(f"/api/deals/{S400}/").json()
    assert s400["uncertain"] == [] and s400["quantity_uncertain"] is False
    assert s400["delivery_years"] == [2021, 2022, 2023]


def test_each_citation_states_its_own_figures(reader_client, register):
    citations = {
        c["source"]["slug"]: c
        for c in reader_client.get(f"/api/deals/{S400}/").json()["citations"]
    }
    sipri = citations[register.slug]
    assert (sipri["quantity"], sipri["quantity_delivered"], sipri["ordered"]) == (10, 6, 2018)
    assert (sipri["value_amount"], sipri["value_currency"]) == ("5400000000.00", "USD")
    assert sipri["comment"] == "INR390 b ($5.4 b) deal"
    assert sipri["uncertain"] == ["quantity_delivered"]
    assert sipri["quantity_delivered_uncertain"] is True
    article = citations["agencies-alipov-putin-visit-2025"]
    assert (article["quantity"], article["value_amount"]) == (5, "5430000000.00")
    assert article["uncertain"] == []
    # The citation's own address says the same.
    one = reader_client.get(sipri["api_url"]).json()
    assert (one["quantity"], one["uncertain"]) == (10, ["quantity_delivered"])


def test_parties_of_every_kind_with_successor_and_predecessors(reader_client, register):
    soviet = reader_client.get("/api/parties/SUHH/").json()
    assert (soviet["kind"], soviet["successor"]["code"]) == ("former_state", "RU")
    russia = reader_client.get("/api/parties/RU/").json()
    assert [p["code"] for p in russia["predecessors"]] == ["SUHH"]
    assert russia["successor"] is None
    group = reader_client.get("/api/parties/hezbollah-lebanon/").json()
    assert (group["kind"], group["iso3"], group["buyer_count"]) == ("armed_group", None, 1)
    listed = reader_client.get("/api/parties/?kind=armed_group").json()["results"]
    assert [p["code"] for p in listed] == ["hezbollah-lebanon"]
    deals = reader_client.get("/api/deals/?buyer=hezbollah-lebanon&condition=second_hand")
    assert [d["slug"] for d in deals.json()["results"]] == [FAJR]


@pytest.fixture
def components(client, db):
    return client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"][
        "schemas"
    ]


def test_the_schema_documents_the_register_fields(components):
    deal = components["Deal"]["properties"]
    assert deal["delivery_years"]["type"] == "array"
    assert deal["delivery_years"]["items"]["type"] == "integer"
    assert "uncertain" in deal["uncertain"]["description"]
    for name in ("tiv_per_unit", "tiv_total", "tiv_delivered", "quantity_uncertain"):
        assert name in deal, name
    condition = components[deal["condition"]["oneOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert set(condition["enum"]) == {"new", "second_hand", "second_hand_modernised"}
    citation = components["CitationBrief"]["properties"]
    assert {"quantity", "quantity_delivered", "ordered", "comment", "uncertain"} <= set(citation)
    party = components["Party"]["properties"]
    assert {"kind", "successor", "predecessors"} <= set(party)
    assert "successor" in party["predecessors"]["description"]
