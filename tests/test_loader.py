"""The fixture loader: bad input refused whole with every problem named, loads that change only
what differs, and the same database as loaddata makes."""

import copy
import gzip
import json
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.loading import fixture_load, records_load
from dashboard.loading.schema import WRITE_ORDER, model_specs, spec_for
from dashboard.models import Deal, Party, Person, Source, Statement
from dashboard.passages import appears_in, find_passage
from tests.snapshot import database_snapshot, loaddata

PROJECT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "india_russia.json"

SOURCE_TEXT = (
    "Paris confirmed the sale of 26 Rafale jets to Germany on Wednesday.\n"
    "“We are proud of this partnership,” the minister said. Deliveries start in 2027."
)


def batch():
    """A small, valid batch of one of each model, with keys the project's fixture lacks."""
    return [
        {"model": "dashboard.party", "fields": {"name": "France", "code": "FR", "iso3": "FRA"}},
        {"model": "dashboard.party", "fields": {"name": "Germany", "code": "DE", "iso3": "DEU"}},
        {
            "model": "dashboard.source",
            "fields": {
                "slug": "rafale-sale",
                "title": "Rafale sale confirmed",
                "publisher": "AFP",
                "published": "2025-05",
                "text": SOURCE_TEXT,
            },
        },
        {
            "model": "dashboard.person",
            "fields": {"slug": "minister-fr", "name": "The minister", "party": ["FR"]},
        },
        {
            "model": "dashboard.platform",
            "fields": {
                "slug": "rafale",
                "name": "Rafale",
                "category": "fighter_aircraft",
                "makers": [["FR"]],
            },
        },
        {
            "model": "dashboard.platformalias",
            "fields": {"name": "Dassault Rafale", "platform": ["rafale"]},
        },
        {
            "model": "dashboard.deal",
            "fields": {
                "slug": "rafale-de-2025",
                "title": "Rafale sale to Germany (2025)",
                "buyer": ["DE"],
                "seller": ["FR"],
                "platform": ["rafale"],
                "stage": "signed",
                "quantity": 26,
                "value_amount": "7000000000.00",
                "value_currency": "EUR",
                "signed": "2025-05",
            },
        },
        {
            "model": "dashboard.dealcitation",
            "fields": {
                "deal": ["rafale-de-2025"],
                "source": ["rafale-sale"],
                "excerpt": "the sale of 26 Rafale jets to Germany",
            },
        },
        {
            "model": "dashboard.statement",
            "fields": {
                "slug": "minister-proud",
                "speaker": ["minister-fr"],
                "date": "2025-05-07",
                "kind": "quote",
                "text": "We are proud of this partnership",
                "source": ["rafale-sale"],
                "platforms": [["rafale"]],
                "deals": [["rafale-de-2025"]],
            },
        },
        {
            "model": "dashboard.standingbody",
            "fields": {
                "slug": "fr-de-council",
                "name": "Franco-German Defence Council",
                "kind": "commission",
                "parties": [["FR"], ["DE"]],
            },
        },
        {
            "model": "dashboard.standingbodycitation",
            "fields": {
                "body": ["fr-de-council"],
                "source": ["rafale-sale"],
                "excerpt": "this partnership",
            },
        },
        {
            "model": "dashboard.engagement",
            "fields": {
                "slug": "paris-signing-2025",
                "title": "Signing in Paris",
                "kind": "ceremony",
                "status": "held",
                "start": "2025-05-07",
                "country": ["FR"],
                "parties": [["FR"], ["DE"]],
                "deals": [["rafale-de-2025"]],
            },
        },
        {
            "model": "dashboard.engagementparticipant",
            "fields": {
                "engagement": ["paris-signing-2025"],
                "person": ["minister-fr"],
                "role": "host",
            },
        },
        {
            "model": "dashboard.engagementcitation",
            "fields": {
                "engagement": ["paris-signing-2025"],
                "source": ["rafale-sale"],
                "excerpt": "Paris confirmed the sale",
            },
        },
        {
            "model": "dashboard.agreement",
            "fields": {
                "slug": "rafale-contract",
                "name": "Rafale contract",
                "kind": "other",
                "status": "signed",
                "signed": "2025-05",
                "parties": [["FR"], ["DE"]],
            },
        },
        {
            "model": "dashboard.agreementcitation",
            "fields": {
                "agreement": ["rafale-contract"],
                "source": ["rafale-sale"],
                "excerpt": "the sale of 26 Rafale jets",
            },
        },
    ]


def write(folder: Path, records, name: str = "batch.json") -> Path:
    path = folder / name
    if name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    elif name.endswith((".yaml", ".yml")):
        path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    else:
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def load(*paths, **options):
    """Run the command; its output, its error lines, and whether it failed."""
    out, err = StringIO(), StringIO()
    try:
        call_command("load_fixtures", *map(str, paths), stdout=out, stderr=err, **options)
        failed = False
    except CommandError:
        failed = True
    return out.getvalue(), err.getvalue().splitlines(), failed


def counts(output: str) -> dict[str, tuple[int, int, int]]:
    rows = [line.split() for line in output.splitlines() if line.startswith("dashboard.")]
    return {row[0]: tuple(int(n) for n in row[1:4]) for row in rows if len(row) == 4}


# --- every kind of bad input, one test each ---------------------------------------------------


def change(index, **fields):
    def mutate(records):
        records[index]["fields"].update(fields)

    return mutate


def append(record):
    def mutate(records):
        records.append(record)

    return mutate


def without(index, name):
    def mutate(records):
        del records[index]["fields"][name]

    return mutate


def party(**fields):
    return {"model": "dashboard.party", "fields": fields}


def with_pk(records):
    records[6]["pk"] = 5


DEAL = "record 7 (dashboard.deal rafale-de-2025)"
STATEMENT = "record 9 (dashboard.statement minister-proud)"
BAD_RECORDS = [
    ("unknown model", append({"model": "dashboard.tank", "fields": {}}),
     "record 17 (?) -: Unknown model “dashboard.tank”."),
    ("not a dashboard model", append({"model": "auth.user", "fields": {"username": "x"}}),
     "record 17 (?) -: “auth.user” is not a dashboard model; "
     "this loader loads only the dashboard's records."),
    ("no model", append({"fields": {"name": "Spain"}}),
     "record 17 (?) -: The record has no “model”."),
    ("no fields", append({"model": "dashboard.party"}),
     "record 17 (dashboard.party ?) -: The record has no “fields” object."),
    ("pk instead of natural key", with_pk,
     f"{DEAL} pk: Records are matched on their natural keys; leave out “pk” "
     "(dumpdata --natural-primary --natural-foreign writes them so)."),
    ("unknown field", change(6, colour="red"),
     f"{DEAL} colour: dashboard.deal has no field “colour”."),
    ("wrong type", change(6, quantity="many"),
     f"{DEAL} quantity: “many” value must be an integer."),
    ("choice not allowed", change(6, stage="done"),
     f"{DEAL} stage: Value 'done' is not a valid choice."),
    ("impossible date", change(6, signed="2025-02-30"),
     f"{DEAL} signed: “2025-02-30” is not a real date: day is out of range for month."),
    ("date without a year", change(6, signed="May"),
     f"{DEAL} signed: “May” is not a date. "
     "A year (2025), a month (2025-05) or a day (2025-05-07)."),
    ("date more precise than a day", change(6, signed="2025-05-07T10:00"),
     f"{DEAL} signed: “2025-05-07T10:00” is not a date. "
     "A year (2025), a month (2025-05) or a day (2025-05-07)."),
    ("unknown currency", change(6, value_currency="XYZ"),
     f"{DEAL} value_currency: “XYZ” is not an ISO 4217 code."),
    ("negative amount", change(6, value_amount="-5.00"),
     f"{DEAL} value_amount: Ensure this value is greater than or equal to 0."),
    ("amount without currency", change(6, value_currency=""),
     f"{DEAL} -: A value needs its currency, and a currency its value."),
    ("more delivered than ordered", change(6, quantity_delivered=30),
     f"{DEAL} -: The quantity delivered cannot exceed the quantity."),
    ("signing date in talks", change(6, stage="talks"),
     f"{DEAL} signed: A deal in talks, under consideration or negotiating has not been "
     "signed: leave the signing date empty, or set the stage it has reached."),
    ("completed without its deliveries", change(6, stage="completed", quantity_delivered=20),
     f"{DEAL} quantity_delivered: A completed deal has delivered all its units: the units "
     "delivered must equal the units ordered (or be left empty when unknown), or the stage is "
     "not yet completed."),
    ("buyer is seller", change(6, seller=["DE"]),
     f"{DEAL} -: The buyer and the seller must be different parties."),
    ("text too long", change(6, title="x" * 301),
     f"{DEAL} title: Ensure this value has at most 300 characters (it has 301)."),
    ("required field blank", change(2, title=""),
     "record 3 (dashboard.source rafale-sale) title: This field cannot be blank."),
    ("required reference missing", without(6, "buyer"),
     f"{DEAL} buyer: This field cannot be null."),
    ("reference that resolves nowhere", change(6, platform=["gripen"]),
     f"{DEAL} platform: No dashboard.platform “gripen” in the files or the database."),
    ("reference not a natural key", change(6, buyer="DE"),
     f'{DEAL} buyer: Expected the natural key of a dashboard.party such as ["…"], '
     'got "DE".'),
    ("many-to-many not a list", change(8, platforms="rafale"),
     f'{STATEMENT} platforms: Expected a list of natural keys, got "rafale".'),
    ("many-to-many with its own model", change(6, sources=[["rafale-sale"]]),
     f"{DEAL} sources: Load these as dashboard.dealcitation records, "
     "each with its own fields."),
    ("duplicate in the batch", append(batch()[0]),
     "record 17 (dashboard.party FR) -: Duplicate: record 1 has the same natural key."),
    ("unique value twice in the batch", change(1, name="France"),
     "record 2 (dashboard.party DE) name: Party with this Name already exists (record 1)."),
    ("unique value held in the database",
     append(party(name="India", code="BE", iso3="BEL")),
     "record 17 (dashboard.party BE) name: Party with this Name already exists "
     "(dashboard.party IN in the database)."),
    ("null character in a text", change(8, text="We are proud\x00 of this partnership"),
     f"{STATEMENT} text: Null characters are not allowed."),
    ("not an ISO party",
     append(party(name="Nowhere", code="QQ", iso3="QQQ")),
     "record 17 (dashboard.party QQ) code: “QQ” is not an ISO 3166-1 alpha-2 code."),
    ("misquote", change(8, text="We never said this"),
     f"{STATEMENT} text: A direct quote must appear word for word in its source."),
    ("excerpt not in the source", change(7, excerpt="a sentence never printed"),
     "record 8 (dashboard.dealcitation rafale-de-2025 rafale-sale) excerpt: "
     "This passage does not appear word for word in the source “Rafale sale confirmed”."),
    ("reported speech without its passage", change(8, kind="report"),
     f"{STATEMENT} excerpt: Reported speech needs the passage of the source that reports it."),
    ("alias named as its platform", change(5, name="Rafale"),
     "record 6 (dashboard.platformalias Rafale) name: "
     "An alias must differ from the platform's name."),
]  # fmt: skip


@pytest.mark.parametrize(("mutate", "expected"), [case[1:] for case in BAD_RECORDS],
                         ids=[case[0] for case in BAD_RECORDS])  # fmt: skip
def test_a_bad_record_is_named_and_nothing_is_written(india_russia, tmp_path, mutate, expected):
    records = batch()
    mutate(records)
    path = write(tmp_path, records)
    before = database_snapshot()
    out, errors, failed = load(path)
    assert failed
    assert errors == [f"{path}:{expected}"]
    assert database_snapshot() == before


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.json", '[{"model": "dashboard.party", "fields": {}}, {"model": ',
         "record 2 (?) -: Not valid JSON: "),
        ("broken.jsonl", '{"model": "dashboard.tank", "fields": {}}\n{not json\n',
         "record 2 (?) -: Line 2 is not valid JSON: "),
        ("object.json", '{"model": "dashboard.party", "fields": {}}',
         " A JSON fixture file holds a list of records: it must start with “[”."),
        ("broken.yaml", "- model: dashboard.party\n  fields: {name: [}\n",
         "record 1 (?) -: Not valid YAML: did not find expected node content "
         "(line 2, column 19)."),
        ("object.yaml", "model: dashboard.party\n",
         " A YAML fixture file holds a list of records."),
        ("notes.txt", "[]", " Not a fixture file: the name must end in .json, .jsonl, .yaml or "
         ".yml, optionally compressed (.gz, .bz2, .xz)."),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_fixture_is_refused(db, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out, errors, failed = load(path)
    assert failed
    assert errors[-1].startswith(f"{path}:{expected}")
    assert not Party.objects.exists()


def test_a_missing_path_is_refused(db, tmp_path):
    out, errors, failed = load(tmp_path / "nowhere.json")
    assert failed and errors == [f"{tmp_path / 'nowhere.json'}: No such file or folder."]


def test_a_batch_with_several_problems_reports_them_all_in_file_order(india_russia, tmp_path):
    records = batch()
    change(6, value_currency="XYZ", quantity_delivered=30)(records)
    change(8, text="We never said this")(records)
    records.append({"model": "dashboard.tank", "fields": {}})
    first = write(tmp_path, records[:5], "first.json")
    second = write(tmp_path, records[5:], "second.json")
    before = database_snapshot()
    out, errors, failed = load(first, second)
    assert failed
    assert errors == [
        f"{second}:record 2 (dashboard.deal rafale-de-2025) value_currency: "
        "“XYZ” is not an ISO 4217 code.",
        f"{second}:record 2 (dashboard.deal rafale-de-2025) -: "
        "The quantity delivered cannot exceed the quantity.",
        f"{second}:record 4 (dashboard.statement minister-proud) text: "
        "A direct quote must appear word for word in its source.",
        f"{second}:record 12 (?) -: Unknown model “dashboard.tank”.",
    ]
    assert database_snapshot() == before


def test_problems_against_records_in_the_database_are_found(india_russia, tmp_path):
    quote = copy.deepcopy(batch()[8])
    quote["fields"].update(
        speaker=["denis-alipov"],
        source=["ians-alipov-interview-2025-05"],
        deals=[["s-400-2018"]],
        platforms=[["s-400-triumf"]],
        text="these weapons systems performed remarkably well",
    )
    misquote = copy.deepcopy(quote)
    misquote["fields"].update(slug="misquote", text="these weapons failed")
    path = write(tmp_path, [quote, misquote])
    out, errors, failed = load(path)
    assert errors == [
        f"{path}:record 2 (dashboard.statement misquote) text: "
        "A direct quote must appear word for word in its source."
    ]
    write(tmp_path, [quote])
    out, errors, failed = load(path)
    assert not failed and counts(out)["dashboard.statement"] == (1, 0, 0)
    assert Statement.objects.get(slug="minister-proud").speaker.slug == "denis-alipov"


def project_record(model: str, slug: str) -> dict:
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    return next(r for r in records if r["model"] == model and r["fields"].get("slug") == slug)


def test_a_new_source_text_is_checked_against_the_citations_in_the_database(
    india_russia, tmp_path
):
    """Deals and statements already loaded quote the source; a text that drops their words
    is refused, naming each record that would no longer hold."""
    source = project_record("dashboard.source", "ians-alipov-interview-2025-05")
    source["fields"]["text"] = "An article rewritten without any of its old sentences."
    before = database_snapshot()
    path = write(tmp_path, [source])
    out, errors, failed = load(path)
    assert failed and database_snapshot() == before
    where = f"{path}:record 1 (dashboard.source ians-alipov-interview-2025-05) text: "
    assert all(error.startswith(where) for error in errors)
    assert (
        where
        + (
            "dashboard.statement alipov-s-400-discussions-continuous, in the database, rests on "
            "it; with this change its text would fail: A direct quote must appear word for word "
            "in its source."
        )
        in errors
    )
    assert any(
        "dashboard.dealcitation s-400-2018 ians-alipov-interview-2025-05, in the database" in e
        and "its excerpt would fail" in e
        for e in errors
    )


def test_a_new_source_text_keeping_every_cited_passage_loads(india_russia, tmp_path):
    source = project_record("dashboard.source", "ians-alipov-interview-2025-05")
    source["fields"]["text"] += "\n\nCorrection: an earlier version misspelt a name."
    out, errors, failed = load(write(tmp_path, [source]))
    assert not failed and counts(out)["dashboard.source"] == (0, 1, 0)


def test_a_batch_replacing_the_citations_with_the_text_is_checked_as_a_whole(
    india_russia, tmp_path
):
    """A record the batch also holds is checked against the batch's text, not its old self:
    a sentence goes from the source together with the statement's reference to it."""
    sentence = (
        "He emphasized that both nations are steadily reinforcing their Special and "
        "Privileged Strategic Partnership."
    )
    source = project_record("dashboard.source", "ians-alipov-interview-2025-05")
    assert sentence in source["fields"]["text"]
    source["fields"]["text"] = source["fields"]["text"].replace(sentence, "")
    statement = project_record("dashboard.statement", "alipov-strategic-partnership-reinforced")
    assert statement["fields"]["excerpt"] == sentence
    statement["fields"]["excerpt"] = source["fields"]["text"][:80]
    out, errors, failed = load(write(tmp_path, [statement, source]))
    assert not failed, errors
    assert counts(out)["dashboard.statement"] == (0, 1, 0)
    # Without the statement, the same text is refused: the statement's excerpt would fail.
    source["fields"]["text"] = source["fields"]["text"][100:]
    out, errors, failed = load(write(tmp_path, [source]))
    assert failed
    assert any("alipov-strategic-partnership-reinforced, in the database" in e for e in errors)


# --- loading again, changes, order ------------------------------------------------------------


def test_loading_twice_changes_nothing(db):
    out, errors, failed = load(PROJECT_FIXTURE)
    assert not failed and "86 created, 0 updated." in out
    first = database_snapshot()
    out, errors, failed = load(PROJECT_FIXTURE)
    assert not failed
    assert out.splitlines()[-1] == "Nothing changed."
    assert all(created == updated == 0 for created, updated, _ in counts(out).values())
    assert sum(unchanged for _, _, unchanged in counts(out).values()) == 86
    assert database_snapshot() == first


def test_records_added_after_a_load_get_ids_of_their_own(db, tmp_path):
    """A load draws its rows' ids from each table's sequence (COPY on PostgreSQL): a party an
    editor adds afterwards, and the records of a second load, take the next ones, clashing
    with none, and every loaded link points at the record it names."""
    load(PROJECT_FIXTURE)
    added = Party.objects.create(code="NR", name="Nauru", iso3="NRU")
    out, errors, failed = load(write(tmp_path, [party(code="TV", name="Tuvalu", iso3="TUV")]))
    assert not failed, errors
    ids = list(Party.objects.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) and added.pk in ids
    assert Party.objects.get(code="TV").pk > added.pk
    statement = Statement.objects.get(slug="alipov-s-400-brahmos-exemplary")
    assert {platform.slug for platform in statement.platforms.all()} == {"s-400-triumf", "brahmos"}
    assert statement.speaker.slug == "denis-alipov"
    assert statement.history.count() == 1


def test_text_that_copy_would_misread_loads_as_written(db, tmp_path):
    """New rows go to PostgreSQL with COPY, whose text format gives tabs, newlines, backslashes
    and \\N meanings of their own: every such character is stored as the file gives it."""
    load(PROJECT_FIXTURE)
    tricky = "tab\there, line\nbreak, back\\slash, \\N, \\., end\r"
    record = {
        "model": "dashboard.person",
        "fields": {"slug": "tricky", "name": "Tricky", "role": tricky, "party": ["RU"]},
    }
    out, errors, failed = load(write(tmp_path, [record]))
    assert not failed, errors
    assert Person.objects.get(slug="tricky").role == tricky


def test_a_one_field_change_updates_one_record(db, tmp_path):
    load(PROJECT_FIXTURE)
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    deal = next(r for r in records if r["fields"].get("slug") == "s-400-2018")
    deal["fields"]["quantity_delivered"] = 3
    out, errors, failed = load(write(tmp_path, records), verbosity=2)
    assert not failed
    assert counts(out)["dashboard.deal"] == (0, 1, 10)
    assert sum(updated for _, updated, _ in counts(out).values()) == 1
    assert "dashboard.deal s-400-2018: quantity_delivered None → 3" in out.splitlines()
    assert Deal.objects.get(slug="s-400-2018").quantity_delivered == 3


def test_dates_of_records_in_the_database_can_be_made_more_precise(db, tmp_path):
    """A date of a record already loaded, changed: a deal's signing date, a statement's date
    and a source's publication date (this crashed bulk_update once)."""
    load(PROJECT_FIXTURE)
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    wanted = {
        ("dashboard.deal", "s-400-2018", "signed"): "2018-10",
        ("dashboard.statement", "alipov-putin-visit-watershed", "date"): "2025-12-04",
        ("dashboard.source", "agencies-alipov-putin-visit-2025", "published"): "2025-12",
    }
    for record in records:
        for (model, slug, name), value in wanted.items():
            if record["model"] == model and record["fields"]["slug"] == slug:
                assert record["fields"][name] != value
                record["fields"][name] = value
    out, errors, failed = load(write(tmp_path, records), verbosity=2)
    assert not failed, errors
    assert "dashboard.deal s-400-2018: signed 2018 → 2018-10" in out.splitlines()
    assert str(Deal.objects.get(slug="s-400-2018").signed) == "October 2018"
    assert str(Statement.objects.get(slug="alipov-putin-visit-watershed").date) == (
        "4 December 2025"
    )
    assert str(Source.objects.get(slug="agencies-alipov-putin-visit-2025").published) == (
        "December 2025"
    )
    assert out.splitlines()[-1] == "0 created, 3 updated."


def test_many_to_many_links_are_set_exactly(db, tmp_path):
    records = batch()
    load(write(tmp_path, records))
    records[8]["fields"]["platforms"] = []
    records[4]["fields"]["makers"] = [["FR"], ["DE"]]
    out, errors, failed = load(write(tmp_path, records), verbosity=2)
    assert not failed
    assert "dashboard.statement minister-proud: platforms [rafale] → []" in out
    assert "dashboard.platform rafale: makers [FR] → [DE, FR]" in out
    assert not Statement.objects.get(slug="minister-proud").platforms.exists()
    assert Party.objects.filter(platforms_made__slug="rafale").count() == 2


def test_a_dry_run_shows_the_changes_and_writes_nothing(db):
    out, errors, failed = load(PROJECT_FIXTURE, dry_run=True)
    assert not failed
    assert counts(out)["dashboard.statement"] == (16, 0, 0)
    assert out.splitlines()[-1] == "Dry run: 86 would be created, 0 updated; nothing was written."
    assert not Party.objects.exists()


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_files_load_the_same_in_any_order(db, tmp_path, order):
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    by_model = {}
    for record in records:
        by_model.setdefault(record["model"], []).append(record)
    paths = [write(tmp_path, rs, f"{label}.json") for label, rs in by_model.items()]
    if order == "backward":
        paths.reverse()
    out, errors, failed = load(*paths)
    assert not failed, errors
    loaddata("india_russia")
    assert "Nothing changed." in load(*paths)[0]


def test_records_out_of_dependency_order_in_one_file_load(db, tmp_path):
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    out, errors, failed = load(write(tmp_path, records[::-1]))
    assert not failed, errors
    loaded = database_snapshot()
    for model in reversed(WRITE_ORDER):
        model.objects.all().delete()
    loaddata("india_russia")
    assert database_snapshot() == loaded


# --- the same database as loaddata ------------------------------------------------------------


def test_the_loader_and_loaddata_make_the_same_database(db):
    load(PROJECT_FIXTURE)
    ours = database_snapshot()
    for model in reversed(WRITE_ORDER):
        model.objects.all().delete()
    loaddata("india_russia")
    assert database_snapshot() == ours
    out, errors, failed = load(PROJECT_FIXTURE)
    assert out.splitlines()[-1] == "Nothing changed."


@pytest.mark.parametrize("name", ["data.jsonl", "data.yaml", "data.json.gz", "folder"])
def test_every_format_loads_the_same(db, tmp_path, name):
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    if name == "folder":
        path = tmp_path / "fixtures"
        path.mkdir()
        write(path, records[:30], "a.json")
        write(path, records[30:], "b.jsonl")
        (path / "README.txt").write_text("not a fixture", encoding="utf-8")
    elif name.endswith(".gz"):
        path = tmp_path / name
        path.write_bytes(gzip.compress(PROJECT_FIXTURE.read_bytes()))
    else:
        path = write(tmp_path, records, name)
    out, errors, failed = load(path)
    assert not failed, errors
    loaddata("india_russia")
    assert load(path)[0].splitlines()[-1] == "Nothing changed."


# --- output -------------------------------------------------------------------------------------


def test_json_output_is_one_document(india_russia, tmp_path):
    records = batch()
    out, errors, failed = load(write(tmp_path, records), format="json")
    document = json.loads(out)
    assert document["ok"] and document["counts"]["dashboard.party"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
    }
    assert "changes" not in document
    change(6, value_currency="XYZ")(records)
    out, errors, failed = load(write(tmp_path, records), format="json", verbosity=2)
    document = json.loads(out)
    assert failed and not document["ok"]
    assert [(e["record"], e["field"], e["message"]) for e in document["errors"]] == [
        (7, "value_currency", "“XYZ” is not an ISO 4217 code.")
    ]


def test_json_output_lists_changes_field_by_field(india_russia, tmp_path):
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    deal = next(r for r in records if r["fields"].get("slug") == "s-400-2018")
    deal["fields"]["value_currency"] = "eur"  # clean() settles it as EUR
    out, errors, failed = load(write(tmp_path, records), format="json", verbosity=2)
    document = json.loads(out)
    [deal_change] = document["changes"]
    assert (deal_change["label"], deal_change["action"]) == (
        "dashboard.deal s-400-2018",
        "updated",
    )
    # The value in constant dollars follows the currency (dashboard/money.py), and says so.
    fields = deal_change["fields"]
    assert fields["value_currency"] == {"old": "USD", "new": "EUR"}
    assert set(fields) == {"value_currency", "value_usd_constant"}
    assert fields["value_usd_constant"]["old"] != fields["value_usd_constant"]["new"]


# --- what the loader relies on ------------------------------------------------------------------


def test_natural_key_fields_match_the_models_natural_keys(india_russia):
    for model in WRITE_ORDER:
        spec = spec_for(model)
        rows = model.objects.values_list(*spec.key_lookups)
        for instance, row in zip(model.objects.all(), rows, strict=True):
            assert tuple(instance.natural_key()) == tuple(row), model


def test_every_model_is_written_after_the_models_it_refers_to(db):
    for spec in model_specs().values():
        for target in spec.targets.values():
            # A party's successor is a party: written after it within the model's batch.
            assert target.rank < spec.rank or target is spec, (spec.label, target.label)


def test_queries_do_not_grow_with_the_records(db, tmp_path):
    def deals(first, n):
        records = batch()[:5]
        for i in range(first, first + n):
            deal = copy.deepcopy(batch()[6])
            deal["fields"]["slug"] = f"deal-{i}"
            records.append(deal)
        return write(tmp_path, records, f"{first}.json")

    # Both measured loads find every table in the same state: holding rows, none of theirs.
    fixture_load(paths=[deals(0, 1)])
    with CaptureQueriesContext(connection) as few:
        fixture_load(paths=[deals(1, 5)])
    with CaptureQueriesContext(connection) as many:
        fixture_load(paths=[deals(6, 500)])
    assert Deal.objects.count() == 506

    def counted(queries):
        # SQLite takes at most 999 values a statement, so more rows need more INSERTs there.
        vendor = connection.vendor
        return [q for q in queries if vendor != "sqlite" or not q["sql"].startswith("INSERT")]

    assert len(counted(many)) == len(counted(few))


@pytest.mark.parametrize(
    "passage",
    ["remarkably well", "remarkably  well", "“ongoing.”", '"ongoing."', "S-400", "S–400", "well,”",
     "ongoing.” He", "", "   ", "not there", "Alipov said", "alipov said"],
)  # fmt: skip
def test_appears_in_agrees_with_find_passage(passage):
    text = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))[4]["fields"]["text"]
    assert appears_in(text, passage) == (find_passage(text, passage) is not None)


# --- what the fast path must keep ---------------------------------------------------------------


def test_a_duplicate_in_another_file_names_that_file(db, tmp_path):
    first = write(tmp_path, batch()[:2], "first.json")
    second = write(tmp_path, [batch()[1]], "second.jsonl")
    out, errors, failed = load(first, second)
    assert failed
    assert errors == [
        f"{second}:record 1 (dashboard.party DE) -: "
        f"Duplicate: record 2 of {first} has the same natural key."
    ]
    assert not Party.objects.exists()


def test_every_reference_that_resolves_nowhere_is_reported_in_record_order(db, tmp_path):
    records = batch()
    change(6, buyer=["XX"], platform=["gripen"])(records)
    change(8, speaker=["nobody"], platforms=[["rafale"], ["gripen"]])(records)
    path = write(tmp_path, records)
    out, errors, failed = load(path)
    nowhere = "in the files or the database."
    assert errors == [
        f"{path}:{DEAL} buyer: No dashboard.party “XX” {nowhere}",
        f"{path}:{DEAL} platform: No dashboard.platform “gripen” {nowhere}",
        f"{path}:{STATEMENT} speaker: No dashboard.person “nobody” {nowhere}",
        f"{path}:{STATEMENT} platforms: No dashboard.platform “gripen” {nowhere}",
    ]
    assert not Party.objects.exists()


def test_a_value_found_valid_for_one_field_is_still_checked_for_another(db, tmp_path):
    records = batch()
    records = [records[8], *records[:8]]  # the statement, whose kind "quote" is valid, first
    change(4, kind="quote")(records)  # and a person of kind "quote", which is not
    path = write(tmp_path, records)
    out, errors, failed = load(path)
    assert errors == [
        f"{path}:record 5 (dashboard.person minister-fr) kind: "
        "Value 'quote' is not a valid choice."
    ]


def test_new_rows_take_their_ids_from_the_tables_own_sequence(db, tmp_path):
    assert not load(write(tmp_path, batch()))[2]
    loaded = max(Party.objects.values_list("id", flat=True))
    later = Party.objects.create(name="Spain", code="ES", iso3="ESP")
    assert later.id == loaded + 1  # no id taken twice, and none left unused


def test_history_rows_hold_the_values_of_their_records(db, tmp_path):
    assert not load(write(tmp_path, batch()))[2]
    for model in WRITE_ORDER:
        for row in model.history.all():
            live = model.objects.get(pk=row.id)
            for field in model._meta.concrete_fields:
                assert getattr(row, field.attname) == getattr(live, field.attname), field


def test_the_generators_fixtures_load_as_loaddata_loads_them(db, tmp_path):
    lines, array = tmp_path / "synthetic.jsonl", tmp_path / "synthetic.json"
    for path in (lines, array):
        call_command(
            "generate_synthetic", scale=0.001, seed=4, fixture=str(path), stderr=StringIO()
        )
    records = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert json.loads(array.read_text(encoding="utf-8")) == records
    out, errors, failed = load(lines)  # more records than a batch, in several models
    assert not failed, errors[:5]
    assert Statement.objects.count() == 1000
    loaded = database_snapshot()
    assert load(array)[0].splitlines()[-1] == "Nothing changed."
    for model in reversed(WRITE_ORDER):
        model.objects.all().delete()
    loaddata(array)
    assert database_snapshot() == loaded


# --- loads that span batches -------------------------------------------------------------------


def synthetic_records(tmp_path) -> list[dict]:
    """About 2,500 generated records: more than a batch, in several models."""
    path = tmp_path / "generated.jsonl"
    call_command("generate_synthetic", scale=0.002, seed=5, fixture=str(path), stderr=StringIO())
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_problem_after_the_last_record_leaves_nothing_written(db, tmp_path):
    """The last record's reference leads nowhere, found only after every file is read."""
    records = synthetic_records(tmp_path)
    bad = copy.deepcopy(next(r for r in records if r["model"] == "dashboard.statement"))
    bad["fields"].update(slug="the-last-one", source=["no-such-source"])
    path = write(tmp_path, [*records, bad], "batch.jsonl")
    out, errors, failed = load(path)
    assert failed and len(errors) == 1 and "No dashboard.source “no-such-source”" in errors[0]
    assert database_snapshot() == [] and Statement.history.count() == 0


def test_files_out_of_order_load_with_every_history_row(db, tmp_path):
    """Statements first, their sources and speakers in a later file: they wait, then load."""
    records = synthetic_records(tmp_path)
    statements = [r for r in records if r["model"] == "dashboard.statement"]
    others = [r for r in records if r["model"] != "dashboard.statement"]
    result = fixture_load(
        paths=[write(tmp_path, statements, "a.jsonl"), write(tmp_path, others, "b.jsonl")]
    )
    assert result.ok, result.errors[:3]
    assert Statement.objects.count() == len(statements) == Statement.history.count()


def test_a_changed_row_may_refer_to_a_row_the_same_load_creates(india_russia, tmp_path):
    """A person moved to a party the load creates."""
    person = project_record("dashboard.person", "denis-alipov")
    person["fields"]["party"] = ["FR"]
    path = write(tmp_path, [person, party(name="France", code="FR", iso3="FRA")])
    result = fixture_load(paths=[path])
    assert result.ok, result.errors
    assert Person.objects.get(slug="denis-alipov").party.code == "FR"
    assert result.counts["dashboard.person"].updated == 1


# --- records given directly (an importer's) ----------------------------------------------------


def test_records_given_directly_load_as_a_file_loads_them(db, tmp_path):
    result = records_load(records=iter(batch()), name="register", reason="SIPRI register")
    assert result.ok, result.errors
    from_records = database_snapshot()
    assert Statement.history.get().history_change_reason == "SIPRI register"
    for model in reversed(WRITE_ORDER):
        model.objects.all().delete()
    assert fixture_load(paths=[write(tmp_path, batch())]).ok
    assert database_snapshot() == from_records
    again = records_load(records=batch(), name="register")
    assert again.ok and not again.changed


def test_records_given_with_their_lines_are_named_by_line(db):
    records = batch()
    change(6, value_currency="XYZ")(records)
    records.append(batch()[0])
    numbered = [(10 * number, record) for number, record in enumerate(records, start=1)]
    result = records_load(records=numbered, name="register.csv")
    assert [str(error) for error in result.errors] == [
        "register.csv:line 70 (dashboard.deal rafale-de-2025) value_currency: "
        "“XYZ” is not an ISO 4217 code.",
        "register.csv:line 170 (dashboard.party FR) -: "
        "Duplicate: line 10 has the same natural key.",
    ]
    assert [(e["line"], e["record"]) for e in result.as_json()["errors"]] == [
        (70, None),
        (170, None),
    ]
    assert not Party.objects.exists()
    unnumbered = records_load(records=[*numbered[:2], batch()[2]], name="register.csv")
    assert [str(error) for error in unnumbered.errors] == [
        "register.csv: Records come with their lines, or none does: expected a pair "
        "(line number, record), got a dict."
    ]
