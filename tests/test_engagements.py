"""Engagements, standing bodies and agreements: their rules, and the articles' records of them."""

import datetime
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from dashboard.models import (
    Agreement,
    AgreementCitation,
    Engagement,
    EngagementCitation,
    EngagementParticipant,
    Party,
    Source,
    StandingBody,
    StandingBodyCitation,
)
from tests.snapshot import loaddata

TEXT = "The 5th Meeting of the Working Group was held in New Delhi, co-chaired by two generals."


@pytest.fixture
def source(db):
    return Source.objects.create(slug="src", title="An article", publisher="PTI", text=TEXT)


def errors_of(instance):
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    return error.value.message_dict


def engagement(**fields):
    values = {"slug": "e", "title": "Talks", "kind": "talks", "status": "held", "start": "2025-05"}
    return Engagement(**{**values, **fields})


# --- Rules -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "valid"),
    [
        ("2025-05", "2025-05-31", True),
        ("2025-05", "2025", True),  # the same year, at a coarser precision
        ("2025-05-07", "2025-05-07", True),
        ("2025-05", "2025-04-30", False),
        ("2025-05-08", "2025-05-07", False),
        ("2025", "2024-12", False),
    ],
)
def test_an_end_date_is_not_before_the_start(start, end, valid):
    record = engagement(start=start, end=end)
    if valid:
        record.full_clean()
    else:
        assert errors_of(record) == {"end": ["The end date cannot be before the start date."]}


@pytest.mark.django_db
def test_dates_keep_their_precision_and_refuse_impossible_days():
    record = engagement(start="December 2025")
    record.full_clean()
    record.save()
    record.refresh_from_db()
    assert (str(record.start), record.start.precision) == ("December 2025", "month")
    assert "not a real date" in errors_of(engagement(start="2025-02-30"))["start"][0]


@pytest.mark.django_db
def test_a_session_number_needs_its_standing_body():
    assert errors_of(engagement(session_number=5)) == {
        "__all__": ["A session number needs the standing body it belongs to."]
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "owner", "make_owner"),
    [
        (EngagementCitation, "engagement", lambda: engagement(slug="cited").save()),
        (
            StandingBodyCitation,
            "body",
            lambda: StandingBody.objects.create(slug="cited", name="Group", kind="working_group"),
        ),
        (
            AgreementCitation,
            "agreement",
            lambda: Agreement.objects.create(
                slug="cited", name="MoU", kind="mou", status="negotiating"
            ),
        ),
    ],
    ids=["engagement", "standing body", "agreement"],
)
def test_excerpts_must_appear_word_for_word(source, model, owner, make_owner):
    make_owner()
    cited = model._meta.get_field(owner).related_model.objects.get(slug="cited")
    # Typographic marks and line breaks may differ; the words may not.
    model(**{owner: cited}, source=source, excerpt="co-chaired by\ntwo generals").full_clean()
    misquote = model(**{owner: cited}, source=source, excerpt="chaired by three generals")
    assert errors_of(misquote) == {
        "excerpt": ["This passage does not appear word for word in the source “An article”."]
    }


@pytest.mark.django_db
def test_a_planned_engagement_in_the_past_is_flagged_for_review():
    today = datetime.date.today()
    past = engagement(slug="past", status="planned", start=f"{today.year - 1}-12")
    this_month = engagement(slug="now", status="planned", start=today.strftime("%Y-%m"))
    this_year = engagement(slug="year", status="planned", start=str(today.year))
    held = engagement(slug="held", status="held", start=f"{today.year - 1}-12")
    for record in [past, this_month, this_year, held]:
        record.save()
    assert [record.needs_review for record in [past, this_month, this_year, held]] == [
        True,
        False,
        False,
        False,
    ]
    assert list(Engagement.objects.overdue().values_list("slug", flat=True)) == ["past"]
    # A date known to the month is past once its last day is.
    assert list(
        Engagement.objects.overdue(today=datetime.date(today.year, 1, 1)).values_list(
            "slug", flat=True
        )
    ) == ["past"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"status": "negotiating", "signed": "2025"}, "no longer under negotiation"),
        ({"status": "signed", "signed": "2025", "in_force": "2025"}, "is in force or ended"),
        (
            {"status": "in_force", "signed": "2025-06", "in_force": "2025-05"},
            "before it is signed",
        ),
    ],
)
def test_agreement_dates_and_status_agree(fields, error):
    record = Agreement(slug="a", name="MoU", kind="mou", **fields)
    assert error in " ".join(sum(errors_of(record).values(), []))


@pytest.mark.django_db
def test_a_standing_body_cannot_sit_under_itself():
    body = StandingBody.objects.create(slug="b", name="Group", kind="working_group")
    body.parent = body
    assert errors_of(body) == {"parent": ["A standing body cannot sit under itself."]}


@pytest.mark.django_db
def test_the_loader_reports_each_broken_engagement_by_record_and_field(source, tmp_path):
    Party.objects.create(name="India", code="IN", iso3="IND")
    records = [
        {
            "model": "dashboard.engagement",
            "fields": {
                "slug": "backwards",
                "title": "Backwards",
                "kind": "talks",
                "status": "held",
                "start": "2025-05",
                "end": "2025-04",
                "parties": [["IN"]],
            },
        },
        {
            "model": "dashboard.engagementcitation",
            "fields": {"engagement": ["backwards"], "source": ["src"], "excerpt": "never said"},
        },
    ]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_fixtures", str(path), stdout=StringIO(), stderr=err)
    text = err.getvalue()
    assert "broken.json" in text
    assert "dashboard.engagement backwards" in text and "end" in text
    assert "The end date cannot be before the start date." in text
    assert "does not appear word for word" in text
    assert not Engagement.objects.exists()


# --- The articles' records ---------------------------------------------------------------------


def test_the_commission_and_its_working_group(india_russia):
    commission = StandingBody.objects.get(abbreviation="IRIGC-M&MTC")
    group = StandingBody.objects.get(name="Working Group on Military Cooperation")
    assert group.parent == commission
    assert commission.chair == "jointly chaired by the defence ministers of both countries"
    assert set(commission.parties.values_list("code", flat=True)) == {"IN", "RU"}
    assert commission.sources.count() == 2


def test_the_fifth_meeting_and_its_co_chairs(india_russia):
    meeting = Engagement.objects.get(body__name="Working Group on Military Cooperation")
    assert (meeting.session_number, meeting.place, meeting.country.code) == (5, "New Delhi", "IN")
    assert meeting.status == "held" and str(meeting.start) == "2025"
    assert "inferred" in meeting.date_note
    chairs = meeting.participations.select_related("person")
    assert sorted((p.person.name, p.role) for p in chairs) == [
        ("Ashutosh Dixit", "co-chair"),
        ("Dylevsky Igor Nikolayevich", "co-chair"),
    ]


def test_the_visits_and_the_operation(india_russia):
    modi = Engagement.objects.get(slug="modi-visit-moscow-2024")
    assert (modi.kind, modi.status, str(modi.start), modi.place) == (
        "visit",
        "held",
        "2024",
        "Moscow",
    )
    assert "Special and Privileged Strategic Partnership" in modi.outcomes
    putin = Engagement.objects.get(slug="putin-visit-india-2025-12")
    assert (putin.status, str(putin.start), putin.start.precision) == (
        "planned",
        "December 2025",
        "month",
    )
    assert "inferred" in putin.date_note
    assert set(putin.participants.values_list("slug", flat=True)) == {
        "vladimir-putin",
        "narendra-modi",
    }
    sindoor = Engagement.objects.get(title="Operation Sindoor")
    assert sindoor.kind == "operation" and str(sindoor.start) == "May 2025"
    assert set(sindoor.platforms.values_list("slug", flat=True)) == {"s-400-triumf", "brahmos"}


def test_every_engagement_and_body_rests_on_an_excerpt_and_obeys_the_rules(india_russia):
    for model in [StandingBody, Engagement, Agreement]:
        for record in model.objects.prefetch_related("citations"):
            record.full_clean()
            assert record.citations.exists(), record
            for citation in record.citations.all():
                citation.full_clean()
    for participant in EngagementParticipant.objects.all():
        participant.full_clean()


def test_loading_the_engagements_twice_changes_nothing(india_russia):
    models = [StandingBody, StandingBodyCitation, Engagement, EngagementParticipant]
    models.append(EngagementCitation)

    def rows():
        return {
            model: sorted(map(str, model.objects.values_list(flat=False).order_by("pk")))
            for model in models
        }

    first = rows()
    loaddata("india_russia")
    assert rows() == first
    assert all(first.values())
