"""`draft_fixture`: an article becomes a draft fixture that recovers its quotes and loads."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from dashboard.drafting import PLACEHOLDER_NAME, PLACEHOLDER_SLUG, REVIEW_HEADING
from dashboard.models import Deal, Party, Person, Platform, Source, Statement

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = Path(__file__).resolve().parents[2] / "shared" / "articles"
CURATED = json.loads((ROOT / "fixtures" / "india_russia.json").read_text(encoding="utf-8"))
# Each article with the publisher and publication date the curated fixture gives it.
ARTICLE_FACTS = {
    "alipov-ians-interview-s400-brahmos.txt": ("IANS", "2025-05"),
    "alipov-putin-visit-su57-s500.txt": ("Agencies", "2025"),
}
WRITTEN = ROOT / "tests" / "data" / "articles"  # written for these tests, around real events
# Each with its publication date.
WRITTEN_FACTS = {
    "india-russia-december-2021.txt": "2021-12-07",
    "india-russia-s400-2023.txt": "2023-03",
    "india-france-rafale-marine-2025.txt": "2025-04-29",
}
LOAD_FIXTURES = ROOT / "dashboard" / "management" / "commands" / "load_fixtures.py"

needs_articles = pytest.mark.skipif(
    not ARTICLES.is_dir(), reason="the shared articles are not beside the project"
)


def draft(path, *options):
    """The fixture objects the command prints (None with --output), and its review notes."""
    out, err = io.StringIO(), io.StringIO()
    call_command("draft_fixture", str(path), *options, stdout=out, stderr=err)
    return (json.loads(out.getvalue()) if out.getvalue() else None), err.getvalue()


def draft_article(name, *options):
    publisher, published = ARTICLE_FACTS[name]
    return draft(ARTICLES / name, "--publisher", publisher, "--published", published, *options)


def of_model(objects, model):
    return [item["fields"] for item in objects if item["model"] == f"dashboard.{model}"]


def speaker_names(objects):
    """Speaker slug to name, for the people in the draft and those it refers to."""
    return dict(Person.objects.values_list("slug", "name")) | {
        person["slug"]: person["name"] for person in of_model(objects, "person")
    }


def curated_statements(name):
    """The curated statements for an article, each with its speaker's name."""
    text = (ARTICLES / name).read_text(encoding="utf-8")
    source = next(s["slug"] for s in of_model(CURATED, "source") if s["text"] == text)
    people = {person["slug"]: person["name"] for person in of_model(CURATED, "person")}
    return [
        {**statement, "speaker_name": people[statement["speaker"][0]]}
        for statement in of_model(CURATED, "statement")
        if statement["source"] == [source]
    ]


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("dashboard").get_models()
    }


@pytest.fixture(params=[False, True], ids=["empty-database", "curated-data-loaded"])
def curated(request, db):
    if request.param:
        request.getfixturevalue("india_russia")
    return request.param


@needs_articles
@pytest.mark.parametrize("name", ARTICLE_FACTS)
def test_every_direct_quote_is_recovered_with_its_speaker(name, curated):
    objects, _ = draft_article(name)
    names = speaker_names(objects)
    drafted = {
        s["text"]: names[s["speaker"][0]]
        for s in of_model(objects, "statement")
        if s["kind"] == "quote"
    }
    expected = {
        s["text"]: s["speaker_name"] for s in curated_statements(name) if s["kind"] == "quote"
    }
    assert drafted == expected


@needs_articles
@pytest.mark.parametrize("name", ARTICLE_FACTS)
def test_no_statement_is_given_to_the_wrong_speaker(name, curated):
    """Every drafted statement, reports included, matches a curated one with the same speaker."""
    objects, _ = draft_article(name)
    names = speaker_names(objects)
    curated_by_excerpt = {s["excerpt"]: s["speaker_name"] for s in curated_statements(name)}
    for statement in of_model(objects, "statement"):
        assert statement["excerpt"] in curated_by_excerpt, statement["excerpt"]
        assert names[statement["speaker"][0]] == curated_by_excerpt[statement["excerpt"]]
    assert PLACEHOLDER_SLUG not in names


@needs_articles
@pytest.mark.parametrize("name", ARTICLE_FACTS)
def test_the_draft_loads_and_every_statement_is_valid(name, curated, tmp_path):
    output = tmp_path / "draft.json"
    printed, _ = draft_article(name, "--output", str(output))
    assert printed is None  # --output replaces standard output
    objects = json.loads(output.read_text(encoding="utf-8"))
    call_command("loaddata", str(output), verbosity=0)
    source = Source.objects.get(slug=of_model(objects, "source")[0]["slug"])
    assert source.text == (ARTICLES / name).read_text(encoding="utf-8")
    assert source.statements.count() == len(of_model(objects, "statement")) > 0
    for statement in source.statements.all():
        statement.full_clean()
    source.full_clean()


@needs_articles
def test_known_people_are_referenced_not_duplicated(india_russia, tmp_path):
    people_before = Person.objects.count()
    speakers = set()
    for name in ARTICLE_FACTS:
        output = tmp_path / f"{name}.json"
        draft_article(name, "--output", str(output))
        objects = json.loads(output.read_text(encoding="utf-8"))
        assert of_model(objects, "person") == []
        speakers |= {s["speaker"][0] for s in of_model(objects, "statement")}
        call_command("loaddata", str(output), verbosity=0)
    assert speakers == {"denis-alipov", "indian-air-force", "hq-integrated-defence-staff"}
    assert Person.objects.count() == people_before
    assert Person.objects.filter(name="Denis Alipov").count() == 1


@needs_articles
def test_the_output_is_a_fixture_of_source_people_then_statements(db):
    out = io.StringIO()
    article = ARTICLES / "alipov-ians-interview-s400-brahmos.txt"
    call_command(
        "draft_fixture", str(article), "--publisher", "IANS", stdout=out, stderr=io.StringIO()
    )
    objects = json.loads(out.getvalue())
    models = [item["model"] for item in objects]
    assert models == ["dashboard.source", "dashboard.person"] + ["dashboard.statement"] * 5
    assert all(set(item) == {"model", "fields"} for item in objects)  # natural keys, no pk
    assert out.getvalue().startswith('[\n  {\n    "model": "dashboard.source"')
    assert "“Based on what we know" in out.getvalue()  # kept, not escaped as ASCII


@needs_articles
def test_new_speakers_get_the_role_the_article_gives_them(db):
    ians, _ = draft_article("alipov-ians-interview-s400-brahmos.txt")
    agencies, _ = draft_article("alipov-putin-visit-su57-s500.txt")
    assert of_model(ians, "person") == [
        {
            "slug": "denis-alipov",
            "name": "Denis Alipov",
            "kind": "person",
            "role": "Russian Ambassador to India",
            "party": None,
        }
    ]
    people = {person["name"]: person for person in of_model(agencies, "person")}
    assert people["Denis Alipov"]["role"] == "Moscow’s Ambassador to New Delhi"
    assert people["Indian Air Force"]["kind"] == "institution"
    assert people["Indian Air Force"]["role"] == "Indian Air Force (IAF)"
    assert people["Headquarters Integrated Defence Staff"]["kind"] == "institution"


@needs_articles
def test_platforms_are_tagged_and_figures_become_review_notes(india_russia):
    ians, _ = draft_article("alipov-ians-interview-s400-brahmos.txt")
    agencies, notes = draft_article("alipov-putin-visit-su57-s500.txt")
    tags = {s["text"][:30]: s["platforms"] for s in of_model(ians + agencies, "statement")}
    assert tags["Based on what we know, India c"] == [["s-400-triumf"], ["brahmos"]]
    assert tags["We are in discussions on platf"] == [["su-57"]]
    for figure in ("$5.43 billion", "five S-400 units", "2018", "September 2026"):
        assert figure in notes
        assert figure in of_model(agencies, "source")[0]["date_note"].split(REVIEW_HEADING)[1]
    assert (
        "“exemplary” was not drafted" in draft_article("alipov-ians-interview-s400-brahmos.txt")[1]
    )


def test_quotes_are_attributed_from_the_words_around_them(db, tmp_path):
    article = tmp_path / "deal.txt"
    article.write_text(
        "Defence Minister Rajnath Singh said on Friday that the deal was close. “We have agreed "
        "on the price and the delivery schedule,” said Singh. “The first units will arrive within "
        "two years,” he added.\n"
        "According to Lt Gen Anil Kumar, Director General of Artillery, “the guns have passed "
        "every trial we set.”\n"
        "“Production will double by next spring,” Ivan Petrov, the company’s chief executive, "
        "told reporters.\n",
        encoding="utf-8",
    )
    objects, _ = draft(article, "--publisher", "Example News", "--published", "7 March 2025")
    names = speaker_names(objects)
    said = {s["text"]: names[s["speaker"][0]] for s in of_model(objects, "statement")}
    assert said == {
        "We have agreed on the price and the delivery schedule": "Rajnath Singh",
        "The first units will arrive within two years": "Rajnath Singh",
        "the guns have passed every trial we set.": "Anil Kumar",
        "Production will double by next spring": "Ivan Petrov",
    }
    roles = {person["name"]: person["role"] for person in of_model(objects, "person")}
    assert roles["Rajnath Singh"] == "Defence Minister"
    assert roles["Ivan Petrov"] == "the company’s chief executive"
    assert {s["date"] for s in of_model(objects, "statement")} == {"2025-03-07"}


def test_an_unattributable_quote_gets_the_placeholder_speaker(db, tmp_path):
    article = tmp_path / "talks.txt"
    article.write_text(
        "“We will buy more of these systems very soon,” he said.\n"
        "India and Russia held talks in New Delhi on Monday. “We expect the remaining deliveries "
        "to arrive on schedule next year.” Moscow said “the order book is full for many years”.\n",
        encoding="utf-8",
    )
    output = tmp_path / "draft.json"
    _, notes = draft(article, "--publisher", "Example News", "--output", str(output))
    objects = json.loads(output.read_text(encoding="utf-8"))
    assert of_model(objects, "person") == [
        {
            "slug": PLACEHOLDER_SLUG,
            "name": PLACEHOLDER_NAME,
            "kind": "person",
            "role": of_model(objects, "person")[0]["role"],
            "party": None,
        }
    ]
    statements = of_model(objects, "statement")
    assert len(statements) == 3
    assert all(s["speaker"] == [PLACEHOLDER_SLUG] for s in statements)
    assert all(s["date_note"].startswith("Speaker left for review: ") for s in statements)
    assert "“he” comes before any named speaker" in statements[0]["date_note"]
    assert "named only as “Moscow”" in statements[2]["date_note"]
    assert notes.count("No speaker for the quotation") == 3
    call_command("loaddata", str(output), verbosity=0)
    assert Statement.objects.filter(speaker__slug=PLACEHOLDER_SLUG).count() == 3


def test_without_a_date_the_statements_carry_a_placeholder_year(db, tmp_path):
    article = tmp_path / "undated.txt"
    article.write_text(
        "“Our two navies will exercise together every year from now on,” Admiral Ivan Sokolov "
        "said.\n",
        encoding="utf-8",
    )
    objects, notes = draft(article, "--publisher", "Example News")
    source = of_model(objects, "source")[0]
    statement = of_model(objects, "statement")[0]
    assert source["published"] is None
    assert statement["date"] == str(datetime.date.today().year)
    assert statement["date_note"].startswith("Placeholder: no publication date was given")
    assert "No --published date" in notes
    assert of_model(objects, "person")[0]["role"] == "Admiral"


@pytest.mark.parametrize("value", ["2025-13", "soon", "31 February 2025"])
def test_a_bad_published_date_is_a_clear_error(db, tmp_path, value):
    article = tmp_path / "article.txt"
    article.write_text("“We will sign the deal next week,” Ivan Petrov said.\n", encoding="utf-8")
    with pytest.raises(CommandError, match=f"--published: “{value}” is not"):
        draft(article, "--publisher", "Example News", "--published", value)


def test_a_missing_or_unreadable_article_is_a_clear_error(db, tmp_path):
    missing = tmp_path / "no-such-article.txt"
    with pytest.raises(CommandError, match="no-such-article.txt does not exist"):
        draft(missing, "--publisher", "Example News")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes('"Très bien," dit-il.'.encode("latin-1"))
    with pytest.raises(CommandError, match="latin1.txt is not UTF-8 text"):
        draft(latin1, "--publisher", "Example News")


def test_a_bad_url_is_a_clear_error(db, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("“We will sign the deal next week,” Ivan Petrov said.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--url"):
        draft(article, "--publisher", "Example News", "--url", "not a url")


@needs_articles
def test_drafting_writes_nothing_to_the_database(india_russia, tmp_path):
    before = row_counts()
    for name in ARTICLE_FACTS:
        draft_article(name)
        draft_article(name, "--output", str(tmp_path / "draft.json"))
    assert row_counts() == before


@needs_articles
@pytest.mark.skipif(not LOAD_FIXTURES.exists(), reason="load_fixtures is not written yet")
@pytest.mark.parametrize("name", ARTICLE_FACTS)
def test_the_draft_passes_load_fixtures_dry_run(name, curated, tmp_path):
    output = tmp_path / "draft.json"
    draft_article(name, "--output", str(output))
    before = row_counts()
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("load_fixtures", str(output), "--dry-run", stdout=out, stderr=err)
    except CommandError as error:
        pytest.fail(f"load_fixtures --dry-run: {error}\n{err.getvalue()}")
    assert err.getvalue() == ""
    assert row_counts() == before


# --- Records proposed from articles written for the tests --------------------------------------


@pytest.fixture
def france(india_russia):
    """The curated data, and France with the two French platforms the third article names."""
    party = Party.objects.create(name="France", code="FR", iso3="FRA")
    for slug, name, category in [
        ("rafale-marine", "Rafale Marine", "fighter_aircraft"),
        ("scorpene", "Scorpene", "submarine"),
    ]:
        Platform.objects.create(slug=slug, name=name, category=category).makers.add(party)


def draft_written(name, *options):
    path = WRITTEN / name
    published = WRITTEN_FACTS[name]
    objects, notes = draft(path, "--publisher", "Test", "--published", published, *options)
    return objects, notes, path.read_text(encoding="utf-8")


def sentence_with(text, words):
    """The line of the article holding `words`: each sentence the tests ask for is one."""
    return next(line for line in text.splitlines() if words in line)


def by(objects, model, field, value):
    return [fields for fields in of_model(objects, model) if fields[field] == value]


def test_a_session_its_co_chairs_a_visit_and_an_agreement_are_proposed(india_russia):
    objects, _, text = draft_written("india-russia-december-2021.txt")
    session = by(objects, "engagement", "kind", "session")[0]
    assert session["body"] == ["irigc-m-mtc"]
    assert session["session_number"] == 20
    assert (session["start"], session["status"], session["place"]) == (
        "2021-12-06",
        "held",
        "New Delhi",
    )
    assert session["parties"] == [["IN"], ["RU"]]
    chairs = by(objects, "engagementparticipant", "engagement", [session["slug"]])
    names = speaker_names(objects)
    assert {(names[c["person"][0]], c["role"]) for c in chairs} == {
        ("Rajnath Singh", "co-chair"),
        ("Sergei Shoigu", "co-chair"),
    }
    roles = {p["name"]: p["role"] for p in of_model(objects, "person")}
    assert roles["Sergei Shoigu"] == "Russian Defence Minister"
    [citation] = by(objects, "engagementcitation", "engagement", [session["slug"]])
    assert citation["excerpt"] == sentence_with(text, "The 20th meeting")

    [visit] = by(objects, "engagement", "kind", "visit")
    assert (visit["start"], visit["status"], visit["place"]) == ("2021-12-06", "held", "New Delhi")
    [visitor] = by(objects, "engagementparticipant", "engagement", [visit["slug"]])
    assert (visitor["person"], visitor["role"]) == (["vladimir-putin"], "visitor")

    [agreement] = of_model(objects, "agreement")
    assert agreement["name"] == (
        "Agreement on the programme for military-technical cooperation from 2021 to 2031"
    )
    assert (agreement["kind"], agreement["status"]) == ("technology", "signed")
    assert agreement["engagement"] == [session["slug"]]
    assert agreement["signed"] == "2021-12-06"
    [cited] = of_model(objects, "agreementcitation")
    assert cited["excerpt"] == "The two ministers signed an agreement on the programme for " + (
        "military-technical cooperation from 2021 to 2031."
    )


def test_a_role_two_people_could_fill_goes_to_review(india_russia):
    objects, notes, _ = draft_written("india-russia-december-2021.txt")
    [statement] = of_model(objects, "statement")
    assert statement["speaker"] == [PLACEHOLDER_SLUG]
    assert "could be “the minister” (" in statement["date_note"]
    assert "Rajnath Singh" in statement["date_note"] and "Sergei Shoigu" in statement["date_note"]
    assert "No speaker for the quotation “The commission has reviewed" in notes


def test_a_role_one_person_fills_is_that_person(france):
    alipov, _, _ = draft_written("india-russia-s400-2023.txt")
    assert [s["speaker"] for s in of_model(alipov, "statement")] == [["denis-alipov"]]
    objects, _, _ = draft_written("india-france-rafale-marine-2025.txt")
    names = speaker_names(objects)
    said = {s["text"]: names[s["speaker"][0]] for s in of_model(objects, "statement")}
    assert said == {
        "This contract opens a new chapter for our two navies": "Thierry Mathou",
        "It gives our navy the aircraft its carriers need": "Rajnath Singh",
    }


def test_a_deal_already_held_is_cited_with_the_figures_this_article_gives(india_russia):
    objects, _, text = draft_written("india-russia-s400-2023.txt")
    assert of_model(objects, "deal") == []
    assert of_model(objects, "dealcitation") == [
        {
            "deal": ["s-400-2018"],
            "source": [of_model(objects, "source")[0]["slug"]],
            "excerpt": sentence_with(text, "India ordered five"),
            "quantity": 5,
            "quantity_delivered": 3,
            "ordered": 2018,
            "value_amount": "5400000000.00",
            "value_currency": "USD",
        }
    ]
    december, _, _ = draft_written("india-russia-december-2021.txt")
    assert of_model(december, "deal") == []
    [ak_203] = of_model(december, "dealcitation")
    assert ak_203["deal"] == ["ak-203-local-manufacturing"]
    assert (ak_203["quantity"], ak_203["ordered"]) == (601427, 2021)


def test_a_new_deal_is_proposed_with_its_stage_units_value_and_date(india_russia):
    Deal.objects.filter(slug="s-400-2018").delete()
    objects, _, text = draft_written("india-russia-s400-2023.txt")
    [deal] = of_model(objects, "deal")
    assert (deal["buyer"], deal["seller"], deal["platform"]) == (["IN"], ["RU"], ["s-400-triumf"])
    assert (deal["stage"], deal["quantity"], deal["quantity_delivered"]) == ("in_delivery", 5, 3)
    assert (deal["value_amount"], deal["value_currency"]) == ("5400000000.00", "USD")
    assert deal["signed"] == "2018"
    assert "approximate" in deal["notes"]
    [citation] = of_model(objects, "dealcitation")
    assert citation["deal"] == [deal["slug"]]
    assert citation["excerpt"] == sentence_with(text, "India ordered five")


def test_deals_in_talks_and_signed_and_an_exercise_from_a_third_article(france):
    objects, _, text = draft_written("india-france-rafale-marine-2025.txt")
    deals = {deal["platform"][0]: deal for deal in of_model(objects, "deal")}
    rafale, scorpene = deals["rafale-marine"], deals["scorpene"]
    assert (rafale["buyer"], rafale["seller"], rafale["stage"]) == (["IN"], ["FR"], "signed")
    assert (rafale["quantity"], rafale["signed"]) == (26, "2025-04-28")
    assert (rafale["value_amount"], rafale["value_currency"]) == ("630000000000.00", "INR")
    assert (scorpene["stage"], scorpene["quantity"], scorpene["signed"]) == ("talks", 3, None)
    excerpts = {c["deal"][0]: c["excerpt"] for c in of_model(objects, "dealcitation")}
    assert excerpts[rafale["slug"]] == sentence_with(text, "26 Rafale Marine")
    assert excerpts[scorpene["slug"]] == sentence_with(text, "Scorpene")
    [exercise] = by(objects, "engagement", "kind", "exercise")
    assert exercise["title"] == "Exercise Varuna (2025)"
    assert (exercise["start"], exercise["place"]) == ("2025-03", "Goa")
    assert exercise["parties"] == [["IN"], ["FR"]]


@needs_articles
def test_records_the_database_holds_are_cited_not_repeated(india_russia):
    objects, _ = draft_article("alipov-putin-visit-su57-s500.txt")
    assert of_model(objects, "engagement") == []
    cited = {c["engagement"][0] for c in of_model(objects, "engagementcitation")}
    assert cited == {
        "irigc-m-mtc-working-group-military-cooperation-5",
        "modi-visit-moscow-2024",
        "putin-visit-india-2025-12",
    }


@pytest.mark.parametrize("name", WRITTEN_FACTS)
def test_each_written_article_passes_load_fixtures_dry_run_then_loads(name, france, tmp_path):
    output = tmp_path / "draft.json"
    draft_written(name, "--output", str(output))
    before = row_counts()
    err = io.StringIO()
    try:
        call_command("load_fixtures", str(output), "--dry-run", stdout=io.StringIO(), stderr=err)
    except CommandError as error:
        pytest.fail(f"load_fixtures --dry-run: {error}\n{err.getvalue()}")
    assert err.getvalue() == ""
    assert row_counts() == before
    call_command("load_fixtures", str(output), stdout=io.StringIO(), stderr=io.StringIO())
    source = Source.objects.get(text=(WRITTEN / name).read_text(encoding="utf-8"))
    cited = [
        *source.citations.all(),
        *source.engagement_citations.all(),
        *source.agreement_citations.all(),
    ]
    assert cited
    for citation in cited:
        citation.full_clean()


def test_a_new_body_and_its_planned_session_and_what_cannot_be_placed(india_russia, tmp_path):
    Party.objects.create(name="Japan", code="JP", iso3="JPN")
    article = tmp_path / "working-group.txt"
    session_text = (
        "India and Japan will hold the 3rd meeting of the Defence Equipment and Technology "
        "Cooperation Working Group in Tokyo in September. It will be co-chaired by Defence "
        "Secretary Arun Mehta and Vice Minister Kenji Sato."
    )
    unplaced = "Moscow has signed a contract for two more S-400 units."
    article.write_text(f"{session_text}\n{unplaced}\n", encoding="utf-8")
    output = tmp_path / "draft.json"
    _, notes = draft(
        article, "--publisher", "Example News", "--published", "2025-06", "--output", str(output)
    )
    objects = json.loads(output.read_text(encoding="utf-8"))
    [body] = of_model(objects, "standingbody")
    assert body["name"] == "Defence Equipment and Technology Cooperation Working Group"
    assert (body["kind"], body["parties"]) == ("working_group", [["IN"], ["JP"]])
    [session] = of_model(objects, "engagement")
    assert (session["body"], session["session_number"]) == ([body["slug"]], 3)
    assert (session["status"], session["start"], session["place"]) == (
        "planned",
        "2025-09",
        "Tokyo",
    )
    assert "inferred from its publication" in session["date_note"]
    names = speaker_names(objects)
    chairs = by(objects, "engagementparticipant", "engagement", [session["slug"]])
    assert {names[c["person"][0]]: c["role"] for c in chairs} == {
        "Arun Mehta": "co-chair",
        "Kenji Sato": "co-chair",
    }
    [citation] = of_model(objects, "engagementcitation")
    assert citation["excerpt"] == session_text  # both sentences it rests on
    assert of_model(objects, "deal") == []
    assert "does not name the buyer" in notes
    assert "units: two more S-400 units" in notes
    call_command("load_fixtures", str(output), stdout=io.StringIO(), stderr=io.StringIO())
    assert Source.objects.get(text=article.read_text(encoding="utf-8")).engagements.count() == 1
