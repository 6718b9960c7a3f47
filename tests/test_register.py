"""import_sipri: SIPRI's trade-register export, with its quirks, as deals that cite it.

The sample files under tests/data/ are written for these tests in SIPRI's format (no SIPRI
data is shipped): notes before the header, Latin-1, "?" marks, a record broken over two lines,
former states, armed groups, organisations, unknown parties and values in comments.
"""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dashboard.models import Deal, DealCitation, Delivery, Party, Platform, Source
from dashboard.register.reading import register_read

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "register_sample.csv"
SOURCE_SLUG = "sipri-trade-register-2024-10-13-142011"


def run(path, *arguments):
    out = StringIO()
    call_command("import_sipri", str(path), "--format", "json", *arguments, stdout=out)
    return json.loads(out.getvalue())


def failing(path, *arguments):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_sipri", str(path), *arguments, stdout=out, stderr=err)
    return err.getvalue()


def sample_text():
    return SAMPLE.read_bytes().decode("latin-1")


def written(tmp_path, text, name="register.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    return path


def test_the_sample_is_latin_1_with_a_record_over_two_lines():
    data = SAMPLE.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    register = register_read(SAMPLE)
    assert register.problems == []
    assert register.generated.isoformat() == "2024-10-13T14:20:11"
    egypt = next(row for row in register.rows if row.recipient == "Egypt")
    assert egypt.comment == "Delivered in two batches from Soviet stocks"
    assert egypt.tiv_delivered == Decimal("80.000")
    assert egypt.delivery_years == [1966, 1967]


def test_every_row_becomes_a_deal_citing_the_export(db):
    document = run(SAMPLE)
    assert document["ok"], document["errors"]
    assert document["counts"]["dashboard.deal"]["created"] == 13
    source = Source.objects.get(slug=SOURCE_SLUG)
    assert source.publisher == "SIPRI"
    assert source.published.isoformat() == "2024-10-13"
    # Each deal's excerpt is its own row, word for word in the export's text.
    for citation in DealCitation.objects.filter(source=source):
        assert citation.excerpt in source.text
        citation.full_clean()
    ivory = Deal.objects.get(buyer__name="Côte d'Ivoire")
    assert (ivory.quantity, ivory.quantity_uncertain, ivory.signed_uncertain) == (4, True, True)
    assert (ivory.value_amount, ivory.value_currency) == (Decimal("375000000.00"), "USD")
    assert ivory.stage == Deal.Stage.COMPLETED
    assert "'Aréthuse' class" in ivory.citations.get().comment


def test_parties_of_every_kind_are_placed(db):
    run(SAMPLE)
    kinds = dict(Party.objects.values_list("code", "kind"))
    assert kinds["SUHH"] == "former_state"
    assert Party.objects.get(code="SUHH").successor.code == "RU"
    assert kinds["north-yemen"] == "former_state"  # under both its names
    assert Deal.objects.filter(buyer__code="north-yemen").count() == 2
    assert kinds["hezbollah-lebanon"] == "armed_group"
    assert kinds["united-nations"] == "organisation"
    assert kinds["unknown-suppliers"] == "unknown"
    assert kinds["TR"] == kinds["SZ"] == kinds["AE"] == kinds["CD"] == "state"


def test_importing_twice_changes_nothing(db):
    run(SAMPLE)
    document = run(SAMPLE)
    assert document["ok"] and not document["changed"]
    assert all(c["created"] == c["updated"] == 0 for c in document["counts"].values())


def test_the_article_deal_keeps_its_figures_and_gains_sipri_as_a_source(india_russia):
    document = run(SAMPLE)
    assert document["register"]["merged"] == [{"line": 13, "deal": "s-400-2018"}]
    deal = Deal.objects.get(slug="s-400-2018")
    assert (deal.quantity, deal.value_amount, deal.value_currency) == (
        5,
        Decimal("5430000000.00"),
        "USD",
    )
    assert deal.stage == Deal.Stage.IN_DELIVERY
    assert deal.tiv_delivered == Decimal("7200.000")
    assert sorted(deal.deliveries.values_list("year", flat=True)) == [2021, 2022, 2023]
    sipri = deal.citations.get(source__slug=SOURCE_SLUG)
    assert (sipri.quantity, sipri.quantity_delivered) == (10, 6)
    assert (sipri.value_amount, sipri.value_currency) == (Decimal("390000000000.00"), "INR")
    assert deal.citations.count() == 3
    assert not Deal.objects.filter(slug__startswith="sipri-in-ru").exists()
    assert Platform.objects.get(slug="s-400-triumf").register_description == "SAM system"


def test_an_unknown_name_is_refused_with_its_line(db, tmp_path):
    text = sample_text().replace("DR Congo,Ukraine", "Atlantis,Ukraine")
    errors = failing(written(tmp_path, text))
    assert "line 25 (?) recipient:" in errors and "“Atlantis”" in errors
    assert not Deal.objects.exists()


def test_a_file_that_is_not_a_sipri_export_is_refused(db, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("name,value\nS-400,5\n")
    errors = failing(path)
    assert "not a SIPRI trade-register export" in errors
    assert not Delivery.objects.exists()
