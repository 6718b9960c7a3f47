import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Value, When

from dashboard.models import Deal, Source
from dashboard.partial_dates import DAY, MONTH, YEAR, PartialDate


@pytest.mark.parametrize(
    ("text", "shown", "precision"),
    [
        ("2025", "2025", YEAR),
        ("2025-05", "May 2025", MONTH),
        ("2025-05-07", "7 May 2025", DAY),
        ("May 2025", "May 2025", MONTH),
        ("7 May 2025", "7 May 2025", DAY),
        ("2025-5-7", "7 May 2025", DAY),
    ],
)
def test_dates_show_their_real_precision(text, shown, precision):
    date = PartialDate.parse(text)
    assert str(date) == shown
    assert date.precision == precision


@pytest.mark.parametrize("text", ["2025-13", "2025-02-30", "May", "25", "2025/05", "soon"])
def test_impossible_or_malformed_dates_are_refused(text):
    with pytest.raises(ValueError, match=re.escape(text)):
        PartialDate.parse(text)


def test_a_month_spans_its_days_and_sorts_among_days():
    may = PartialDate.parse("2025-05")
    assert may.first_day() == datetime.date(2025, 5, 1)
    assert may.last_day() == datetime.date(2025, 5, 31)
    assert PartialDate.parse("2025") < may < PartialDate.parse("2025-05-07")
    assert PartialDate.parse("2024-12-31") < PartialDate.parse("2025")


def source(slug, published):
    return Source.objects.create(
        slug=slug, title=slug, publisher="Test", published=published, text="text"
    )


@pytest.mark.django_db
def test_stored_dates_keep_precision_sort_and_filter_by_year():
    source("b", "2025-05")
    source("a", "2018")
    source("c", "2025-05-07")
    source("d", None)
    loaded = {s.slug: s.published for s in Source.objects.all()}
    assert str(loaded["b"]) == "May 2025" and loaded["b"].precision == MONTH
    assert loaded["d"] is None
    ascending = Source.objects.exclude(published=None).order_by("published")
    assert [s.slug for s in ascending] == ["a", "b", "c"]
    assert {s.slug for s in Source.objects.filter(published__year=2025)} == {"b", "c"}
    assert {s.slug for s in Source.objects.filter(published__year__lt=2020)} == {"a"}
    assert {s.slug for s in Source.objects.filter(published__gte="2025-05")} == {"b", "c"}


@pytest.mark.django_db
def test_model_validation_names_a_bad_date():
    bad = Source(slug="x", title="x", publisher="x", text="x", published="2025-02-30")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "published" in error.value.message_dict
    assert "not a real date" in error.value.message_dict["published"][0]


def test_signed_field_is_a_partial_date_field():
    assert Deal._meta.get_field("signed").formfield().prepare_value(
        PartialDate.parse("2018-10")
    ) == ("2018-10")


@pytest.mark.django_db
def test_dates_change_through_every_kind_of_query_expression():
    """bulk_update writes CASE WHEN ... THEN Value(date); update() takes F() and Value()."""
    first, second = source("a", "2018"), source("b", None)
    first.published, second.published = PartialDate.parse("2018-10"), PartialDate.parse("2020")
    Source.objects.bulk_update([first, second], ["published"])
    assert {s.slug: str(s.published) for s in Source.objects.all()} == {
        "a": "October 2018",
        "b": "2020",
    }
    Source.objects.filter(slug="b").update(published=Value("2021-03"))
    assert str(Source.objects.get(slug="b").published) == "March 2021"
    Source.objects.filter(slug="a").update(published=F("date_note"))  # "" stored as no date
    assert Source.objects.get(slug="a").published is None
    Source.objects.filter(slug="b").update(
        published=Case(When(slug="b", then=Value("2022")), default=Value(None))
    )
    assert str(Source.objects.get(slug="b").published) == "2022"
