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
from dashboard.register.descriptions import description_category
from dashboard.register.kinds import row_kind
from dashboard.register.names import party_place
from dashboard.register.reading import register_read
from dashboard.register.values import comment_value
from tests.test_views import page, table_rows

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


def test_a_changed_figure_updates_one_deal_with_history(db, tmp_path):
    run(SAMPLE)
    text = sample_text().replace(
        "T-72M1,tank,20,,2011,Second hand,,2,40,40",
        "T-72M1,tank,20,,2011; 2012,Second hand,,2,40,44",
    )
    document = run(written(tmp_path, text))
    assert document["counts"]["dashboard.deal"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 12,
        "deleted": 0,
    }
    assert document["counts"]["dashboard.delivery"]["created"] == 1
    deal = Deal.objects.get(slug="sipri-cd-ua-2010-t-72m1")
    assert deal.tiv_delivered == Decimal("44.000")
    assert sorted(deal.deliveries.values_list("year", flat=True)) == [2011, 2012]
    assert deal.history.count() == 2


def newer_export(text):
    return text.replace(
        "Data generated: 13 Oct 2024 2:20:11 PM", "Data generated: 2 Mar 2025 9:05:00 AM"
    )


def test_a_newer_export_updates_the_same_deals_and_never_an_editors_figure(db, tmp_path):
    run(SAMPLE)
    deal = Deal.objects.get(slug="sipri-ae-fr-2021-rafale-f4")
    deal.notes = "Checked against the ministry's statement."
    deal.quantity = 90  # an editor's figure
    deal.save()
    text = newer_export(sample_text()).replace(
        "UAE,France,2021,,80,,Rafale F4,FGA aircraft,,,,New,EUR16 b deal,95,7600,",
        "UAE,France,2021,,80,,Rafale F4,FGA aircraft,6,,2024,New,EUR16 b deal,95,7600,570",
    )
    document = run(written(tmp_path, text))
    assert document["counts"]["dashboard.deal"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 12,
        "deleted": 0,
    }
    assert document["counts"]["dashboard.source"]["created"] == 1
    deal.refresh_from_db()
    assert deal.quantity == 90 and deal.notes.startswith("Checked")
    assert (deal.quantity_delivered, deal.stage) == (6, Deal.Stage.IN_DELIVERY)
    assert deal.tiv_delivered == Decimal("570.000")
    # Each export keeps what it stated.
    stated = dict(deal.citations.values_list("source__slug", "quantity_delivered"))
    assert stated == {SOURCE_SLUG: None, "sipri-trade-register-2025-03-02-090500": 6}


def test_a_deal_no_longer_listed_is_reported_and_pruned_only_when_asked(db, tmp_path):
    run(SAMPLE)
    text = newer_export(sample_text())
    text = text.replace(
        "Nigeria,UK,1976,,1,,Aradu,frigate,1,,1981,New,£300m deal,350,350,350\n", ""
    )
    path = written(tmp_path, text)
    document = run(path)
    assert document["register"]["unlisted"] == ["sipri-ng-gb-1976-aradu"]
    assert Deal.objects.filter(slug="sipri-ng-gb-1976-aradu").exists()
    document = run(path, "--prune")
    assert document["register"]["pruned"] == ["sipri-ng-gb-1976-aradu"]
    assert not Deal.objects.filter(slug="sipri-ng-gb-1976-aradu").exists()
    assert Deal.history.filter(slug="sipri-ng-gb-1976-aradu", history_type="-").exists()


def test_the_merge_holds_on_a_second_import(india_russia):
    run(SAMPLE)
    document = run(SAMPLE)
    assert not document["changed"]
    deal = Deal.objects.get(slug="s-400-2018")
    assert deal.quantity == 5 and deal.citations.count() == 3


def test_values_in_comments_are_the_deals_own(db):
    run(SAMPLE)
    values = dict(
        Deal.objects.filter(slug__startswith="sipri-").values_list(
            "platform__name", "value_currency"
        )
    )
    assert values["Aradu"] == "GBP"  # £300m deal
    assert values["Rafale F4"] == "EUR"
    assert values["Type-214"] == ""  # part of a larger deal: not this deal's value
    turkey = Deal.objects.get(platform__name="Type-214")
    assert turkey.value_amount is None and turkey.citations.get().value_amount is None


def test_a_dry_run_writes_nothing_and_counts_what_would_be(db):
    document = run(SAMPLE, "--dry-run")
    assert document["dry_run"] and document["counts"]["dashboard.deal"]["created"] == 13
    assert not Deal.objects.exists()


def test_every_problem_is_reported_with_its_line_and_nothing_written(db, tmp_path):
    text = sample_text()
    text = text.replace("DR Congo,Ukraine", "Atlantis,Ukraine")
    text = text.replace(",tank,100,,1966; 1967,New", ",tank,100,,1966; 67,Newish")
    errors = failing(written(tmp_path, text))
    assert len(errors.strip().splitlines()) == 3
    assert ":line 18 (?) year(s) of delivery: “67” is not a year." in errors
    assert ":line 18 (?) status: “Newish”" in errors
    assert ":line 25 (?) recipient:" in errors
    assert not Deal.objects.exists() and not Party.objects.exists()


def test_descriptions_the_table_lacks_are_reported(db, tmp_path):
    text = sample_text().replace("Gowind,corvette", "Gowind,stealth corvette ship")
    document = run(written(tmp_path, text))
    placed = document["register"]["descriptions"]
    assert placed == {
        "stealth corvette ship": {"category": "support_ship", "placed": "by its words"}
    }
    assert Platform.objects.get(name="Gowind").register_description == "stealth corvette ship"


def test_pruning_needs_an_export_of_all_countries(db, tmp_path):
    run(SAMPLE)
    text = newer_export(sample_text()).replace(
        "from All countries to All countries", "from All countries to India"
    )
    errors = failing(written(tmp_path, text), "--prune")
    assert "--prune needs an export of transfers from all countries" in errors
    assert Deal.objects.count() == 13


@pytest.mark.parametrize(
    "name, code, kind",
    [
        ("Turkiye", "TR", "state"),
        ("eSwatini", "SZ", "state"),
        ("UAE", "AE", "state"),
        ("DR Congo", "CD", "state"),
        ("Bosnia-Herzegovina", "BA", "state"),
        ("Cote d'Ivoire", "CI", "state"),
        ("Saint Vincent", "VC", "state"),
        ("Viet Nam", "VN", "state"),
        ("Soviet Union", "SUHH", "former_state"),
        ("East Germany (GDR)", "DDDE", "former_state"),
        ("Czechoslovakia", "CSHH", "former_state"),
        ("Yugoslavia", "YUCS", "former_state"),
        ("South Yemen", "YDYE", "former_state"),
        ("North Yemen", "north-yemen", "former_state"),
        ("Yemen Arab Republic (North Yemen)", "north-yemen", "former_state"),
        ("South Vietnam", "south-vietnam", "former_state"),
        ("Biafra", "biafra", "unrecognised"),
        ("Katanga", "katanga", "unrecognised"),
        ("Northern Cyprus", "northern-cyprus", "unrecognised"),
        ("Kosovo", "kosovo", "unrecognised"),
        ("Libya GNC", "libya-gnc", "unrecognised"),
        ("Hezbollah (Lebanon)*", "hezbollah-lebanon", "armed_group"),
        ("UNITA (Angola)*", "unita-angola", "armed_group"),
        ("NATO**", "nato", "organisation"),
        ("African Union**", "african-union", "organisation"),
        ("unknown supplier(s)", "unknown-suppliers", "unknown"),
        ("unknown recipient(s)", "unknown-recipients", "unknown"),
        ("unknown rebel group*", "unknown-rebel-group", "unknown"),
    ],
)
def test_sipri_names_are_placed_and_the_parties_they_make_are_valid(name, code, kind):
    place = party_place(name)
    assert (place.code, place.kind) == (code, kind)
    party = Party(code=place.code, name=place.name, kind=place.kind, iso3=place.iso3)
    party.clean_fields()
    party.clean()


def test_a_near_miss_is_not_a_name():
    assert party_place("Frnace") is None
    assert party_place("Soviet Unoin") is None


@pytest.mark.parametrize(
    "comment, value",
    [
        ("$375m deal", (Decimal("375000000.00"), "USD")),
        ("INR390 b ($5.4 b) deal", (Decimal("390000000000.00"), "INR")),
        ("Part of THB4b ($120 m) deal", None),
        ("£300m deal; incl. spares", (Decimal("300000000.00"), "GBP")),
        ("Ex-Dutch; EUR1.2 b deal", (Decimal("1200000000.00"), "EUR")),
        ("Delivered for 10 m deal", None),  # "for" is no currency
        ("Aid", None),
    ],
)
def test_a_comments_value_is_the_deals_own(comment, value):
    assert comment_value(comment) == value


@pytest.mark.parametrize(
    "description, category, how",
    [
        ("FGA aircraft", "fighter_aircraft", "listed"),
        ("SAM system", "air_defence", "listed"),
        ("air search radar", "radar", "listed"),
        ("turbofan", "engine", "listed"),
        ("APC", "armoured_vehicle", "listed"),
        ("frigate", "warship", "listed"),
        ("coastal search radar array", "radar", "by its words"),
        ("widget", "other", "other"),
    ],
)
def test_descriptions_become_categories(description, category, how):
    assert description_category(description) == (category, how)


def test_a_file_saved_again_as_utf_8_reads_the_same(db, tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_text(sample_text(), encoding="utf-8")
    run(path)
    assert "'Aréthuse' class" in Deal.objects.get(buyer__code="CI").citations.get().comment


def test_an_export_without_its_date_is_refused(db, tmp_path):
    text = sample_text().replace("Data generated: 13 Oct 2024 2:20:11 PM\n", "")
    assert "No “Data generated: …” line" in failing(written(tmp_path, text))


def test_more_delivered_than_ordered_stays_on_the_citation(db, tmp_path):
    text = sample_text().replace("Aradu,frigate,1,,1981", "Aradu,frigate,2,,1981")
    document = run(written(tmp_path, text))
    assert document["register"]["over_delivered"] == [26]
    deal = Deal.objects.get(slug="sipri-ng-gb-1976-aradu")
    assert (deal.quantity, deal.quantity_delivered) == (1, None)
    assert deal.citations.get().quantity_delivered == 2


def test_identical_rows_are_deals_of_their_own_in_file_order(db, tmp_path):
    row = "eSwatini,Taiwan,2016,,,,Bell-205,helicopter,,,,Second hand,,0,0,"
    text = sample_text() + row + "\n"
    document = run(written(tmp_path, text))
    assert document["counts"]["dashboard.deal"]["created"] == 14
    twins = Deal.objects.filter(slug__startswith="sipri-sz-tw-2016-bell-205")
    assert sorted(twins.values_list("slug", flat=True)) == [
        "sipri-sz-tw-2016-bell-205",
        "sipri-sz-tw-2016-bell-205--2",
    ]
    assert not run(written(tmp_path, text))["changed"]


def test_a_newer_export_that_drops_a_year_of_delivery_deletes_it_with_history(db, tmp_path):
    run(SAMPLE)
    deal = Deal.objects.get(slug="sipri-ci-fr-2015-gowind")
    assert sorted(deal.deliveries.values_list("year", flat=True)) == [2019, 2020]
    text = newer_export(sample_text()).replace(
        "Gowind,corvette,4,,2019; 2020,New", "Gowind,corvette,4,,2020,New"
    )
    path = written(tmp_path, text)
    document = run(path, "-v", "2")
    assert document["changed"]
    assert document["counts"]["dashboard.delivery"]["deleted"] == 1
    assert {"label": "dashboard.delivery sipri-ci-fr-2015-gowind 2019", "action": "deleted",
            "fields": {}} in document["changes"]  # fmt: skip
    assert list(deal.deliveries.values_list("year", flat=True)) == [2020]
    gone = Delivery.history.get(deal_id=deal.pk, year=2019, history_type="-")
    assert gone.history_change_reason.startswith("import_sipri")
    # The same file again: nothing to delete, nothing changed.
    document = run(path)
    assert not document["changed"]
    assert document["counts"]["dashboard.delivery"]["deleted"] == 0


def test_a_dry_run_counts_the_years_it_would_delete_and_keeps_them(db, tmp_path):
    run(SAMPLE)
    text = newer_export(sample_text()).replace(
        "Gowind,corvette,4,,2019; 2020,New", "Gowind,corvette,4,,2020,New"
    )
    out = StringIO()
    call_command("import_sipri", str(written(tmp_path, text)), "--dry-run", stdout=out)
    assert "1 deleted; nothing was written." in out.getvalue()
    deal = Deal.objects.get(slug="sipri-ci-fr-2015-gowind")
    assert sorted(deal.deliveries.values_list("year", flat=True)) == [2019, 2020]


def test_on_an_article_deal_only_the_years_sipri_gave_are_replaced(india_russia, tmp_path):
    run(SAMPLE)
    deal = Deal.objects.get(slug="s-400-2018")
    Delivery.objects.create(deal=deal, year=2025)  # an editor's year, from another source
    text = newer_export(sample_text()).replace("6,?,2021; 2022; 2023,New", "6,?,2021; 2023,New")
    document = run(written(tmp_path, text))
    assert document["counts"]["dashboard.delivery"]["deleted"] == 1
    assert sorted(deal.deliveries.values_list("year", flat=True)) == [2021, 2023, 2025]


@pytest.mark.parametrize(
    "comment, description, kind",
    [
        ("Produced under licence in India", "FGA aircraft", "licensed_production"),
        ("Licensed production; INR80 b deal", "tank", "licensed_production"),
        ("Assembled from kits", "APC", "licensed_production"),
        ("Licence-built version", "frigate", "licensed_production"),
        ("Co-production with the recipient", "SAM system", "co_development"),
        ("Joint development programme", "anti-ship missile", "co_development"),
        ("Leased; modernized before delivery", "combat helicopter", "lease"),
        ("Lease for 10 years", "submarine", "lease"),
        ("For upgrade of MiG-29 aircraft", "combat aircraft radar", "upgrade_support"),
        ("For modernization of T-72 tanks", "fire control radar", "upgrade_support"),
        ("Modernized before delivery", "frigate", "purchase"),  # the condition, not a kind
        ("Ex-Dutch; aid", "APC", "aid"),
        ("Military aid", "tank", "aid"),
        ("Part of $300 m aid; ex-US", "APC", "aid"),
        ("Part of $1,200 m aid", "APC", "aid"),
        ("Gift", "patrol craft", "aid"),
        ("Second hand; gifted by Estonia", "towed gun", "aid"),
        ("Donated by Germany", "APC", "aid"),
        ("Free of charge", "transport aircraft", "aid"),
        ("Delivered at no cost to the recipient", "APC", "aid"),
        # Not clear aid: hedged, denied, help rather than a gift, or weaker words.
        ("Probably aid", "APC", "purchase"),
        ("Possibly part of $1.2 b aid", "APC", "purchase"),
        ("Aid (probably)", "APC", "purchase"),
        ("Aid?", "APC", "purchase"),
        ("Not free of charge", "APC", "purchase"),
        ("No aid; $50 m deal", "APC", "purchase"),
        ("Developed with the aid of Israel", "UAV", "purchase"),
        ("Military assistance", "APC", "purchase"),
        ("Sold on credit", "APC", "purchase"),
        ("", "navigation aid", "purchase"),  # the description is never a gift
        ("Free-fall bombs", "guided bomb", "purchase"),
        # A kind of its own comes first: it says what the deal is, aid how it is paid for.
        ("Leased free of charge", "combat helicopter", "lease"),
        ("", "tank", "purchase"),
    ],
)
def test_the_deal_kind_is_what_the_row_states(comment, description, kind):
    assert row_kind(comment=comment, description=description) == kind


def test_imported_deals_have_the_kind_their_row_states(india_russia, tmp_path):
    text = (
        sample_text()
        .replace(
            "T-72M1,tank,20,,2011,Second hand,,2,40,40",
            "T-72M1,tank,20,,2011,Second hand,Assembled from kits,2,40,40",
        )
        .replace('"INR390 b ($5.4 b) deal"', '"INR390 b ($5.4 b) deal; leased"')
    )
    run(written(tmp_path, text))
    kinds = dict(Deal.objects.values_list("slug", "kind"))
    assert kinds["sipri-cd-ua-2010-t-72m1"] == "licensed_production"
    assert kinds["sipri-united-nations-ua-2010-mi-24p-mi-35p"] == "lease"
    assert kinds["sipri-tr-de-2009-type-214"] == "purchase"  # the register says nothing
    # The articles' deal keeps the kind they gave it, whatever SIPRI's comment says.
    assert kinds["s-400-2018"] == "purchase"


AID_ROWS = (
    "Ukraine,Estonia,2022,,2,,T-55,tank,2,,2022,Second hand,Military aid,1,2,2\n"
    "Georgia,Lithuania,2008,,10,,BTR-60PB,APC,10,,2008,Second hand,Donated free of charge,"
    "0.1,1,1\n"
    "Ukraine,Denmark,2022,,4,,T-72M1,tank,4,?,2023,Second hand,Probably aid,0.5,2,2\n"
)


def test_aid_and_gifts_have_their_kind_on_the_pages_filters_and_exports(db, client, tmp_path):
    text = sample_text().rstrip("\n") + "\n" + AID_ROWS
    assert run(written(tmp_path, text))["ok"]
    aid = {
        (buyer, seller): kind
        for buyer, seller, kind in Deal.objects.filter(buyer__code__in=["UA", "GE"]).values_list(
            "buyer__code", "seller__code", "kind"
        )
    }
    assert aid == {("UA", "EE"): "aid", ("GE", "LT"): "aid", ("UA", "DK"): "purchase"}

    listed = page(client, "/deals/?kind=aid")
    rows = table_rows(listed)
    assert len(rows) == 2
    for deal in Deal.objects.filter(kind="aid"):
        assert any(deal.get_absolute_url() in row for row in rows)
    assert "Aid or gift" in listed  # the filter's choice, and its chip

    gift = Deal.objects.get(buyer__code="GE")
    assert "Aid or gift" in page(client, gift.get_absolute_url())

    exported = client.get("/deals/", {"kind": "aid", "_export": "csv"})
    lines = b"".join(exported.streaming_content).decode().splitlines()
    assert len(lines) == 3  # the header and the two deals

    api = client.get("/api/deals/", {"kind": "aid"}).json()
    assert sorted(row["kind"] for row in api["results"]) == ["aid", "aid"]
