"""Filters, counts and lists that read few rows (ids instead of joins, cached counts, EXISTS)
give the same answers as the plain queries, and follow every change of the data."""

import csv
import io
import re

import pytest

from dashboard import filters, selectors, views
from dashboard.filters import PersonFilterSet, PlatformFilterSet, StatementFilterSet
from dashboard.models import Party, Person, Platform, Source, Statement
from dashboard.paginators import capped_count


@pytest.fixture
def falcons(db):
    """Two platforms named alike, one known by an alias, and statements about them."""
    fr = Party.objects.create(name="France", code="FR", iso3="FRA")
    us = Party.objects.create(name="United States", code="US", iso3="USA")
    one = Platform.objects.create(slug="f-16", name="F-16 Fighting Falcon", category="other")
    two = Platform.objects.create(slug="falcon-9", name="Falcon 9", category="other")
    other = Platform.objects.create(slug="rafale", name="Rafale", category="other")
    other.aliases.create(name="Falcon's rival")
    one.makers.add(us)
    other.makers.add(fr)
    source = Source.objects.create(slug="src", title="Source", publisher="P", text="Falcon")
    speaker = Person.objects.create(slug="spokesman", name="Spokesman", party=us)
    quiet = Person.objects.create(slug="quiet", name="Quiet", party=fr)

    def said(slug, date, *platforms, by=speaker):
        statement = Statement.objects.create(
            slug=slug, speaker=by, date=date, kind="quote", text="Falcon", source=source
        )
        statement.platforms.add(*platforms)
        return statement

    said("both", "2021", one, two)
    said("one", "2019-05", one)
    said("rafale", "2020", other, by=quiet)
    said("none", "2022")
    return {"one": one, "two": two, "other": other}


def slugs(queryset):
    return [record.slug for record in queryset]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("f-16", ["both", "one"]),  # its identifier
        ("fighting", ["both", "one"]),  # part of its name
        ("rival", ["rafale"]),  # part of an alias
        ("falcon", ["both", "rafale", "one"]),  # all three, each statement once
        ("nothing", []),
    ],
)
def test_a_platform_filter_finds_each_statement_once(falcons, monkeypatch, value, expected):
    statements = Statement.objects.all()
    assert slugs(StatementFilterSet({"platform": value}, queryset=statements).qs) == expected
    # Past the listed ids, the platforms are matched in a subquery, with the same rows.
    monkeypatch.setattr(filters, "NAMED_LISTED", 1)
    assert slugs(StatementFilterSet({"platform": value}, queryset=statements).qs) == expected


def test_filters_by_party_compare_its_id(falcons):
    people = PersonFilterSet({"party": "FR"}, queryset=Person.objects.all()).qs
    assert slugs(people) == ["quiet"]
    makers = PlatformFilterSet({"maker": "US"}, queryset=Platform.objects.all()).qs
    assert slugs(makers) == ["f-16"]
    said = StatementFilterSet({"party": "US"}, queryset=Statement.objects.all()).qs
    assert slugs(said) == ["none", "both", "one"]


def test_a_search_through_aliases_needs_no_distinct(falcons):
    found = PlatformFilterSet({"q": "falcon"}, queryset=Platform.objects.all()).qs
    assert slugs(found) == ["f-16", "falcon-9", "rafale"]
    assert not found.query.distinct


def test_list_counts_are_right_sortable_and_follow_changes(client, falcons):
    html = client.get("/people/?sort=-statement_count").content.decode()
    rows = html.split("<tbody", 1)[1].split("<tr")[1:]
    assert "/people/spokesman/" in rows[0] and ">3<" in rows[0]
    assert "/people/quiet/" in rows[1] and ">1<" in rows[1]
    Statement.objects.create(
        slug="more",
        speaker=Person.objects.get(slug="quiet"),
        date="2023",
        kind="quote",
        text="Falcon",
        source=Source.objects.get(slug="src"),
    )
    people = list(views.PersonListView.queryset.order_by("name"))
    assert [(p.slug, p.statement_count) for p in people] == [("quiet", 2), ("spokesman", 3)]
    exported = csv.DictReader(
        io.StringIO(client.get("/people/?_export=csv").getvalue().decode("utf-8-sig"))
    )
    assert {row["Name"]: row["Statements"] for row in exported} == {"Quiet": "2", "Spokesman": "3"}


def test_first_records_keep_the_order_and_follow_changes(falcons):
    statements = Statement.objects.select_related("speaker")
    assert slugs(selectors.first_records(statements, 3)) == slugs(statements[:3])
    Statement.objects.filter(slug="none").delete()
    assert slugs(selectors.first_records(statements, 3)) == ["both", "rafale", "one"]


def test_capped_counts_follow_changes(falcons):
    assert capped_count(Statement.objects.all(), cap=2) == 3
    assert capped_count(Statement.objects.filter(slug="none")) == 1
    Statement.objects.filter(slug="none").delete()
    assert capped_count(Statement.objects.filter(slug="none")) == 0


def test_search_says_more_than_the_cap(client, falcons, monkeypatch):
    monkeypatch.setattr(views, "COUNT_CAP", 2)
    html = client.get("/search/?q=falcon").content.decode()
    assert re.search(r"Statements <span class=\"badge\">more than 2</span>", html)
    assert "More than " in html and "See them all (more than 2) in the table" in html
    assert re.search(r"Sources <span class=\"badge\">1</span>", html)
