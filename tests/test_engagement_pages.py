"""The pages for engagements, standing bodies and agreements, the pair page's timeline with
every kind, and a person's engagements."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import Truncator

from dashboard.models import (
    Agreement,
    Engagement,
    EngagementParticipant,
    Party,
    Person,
    StandingBody,
)
from dashboard.tables import SHOWN_CHARS
from tests.test_views import csv_rows, page, table_rows

MEETING = "irigc-m-mtc-working-group-military-cooperation-5"
GROUP = "irigc-m-mtc-working-group-military-cooperation"
SINDOOR = ">Operation Sindoor</a>"  # the engagement, not a statement that names it


def test_the_engagement_table_lists_every_engagement_with_its_participants(client, india_russia):
    html = page(client, reverse("dashboard:engagement-list"))
    assert len(table_rows(html)) == Engagement.objects.count() == 4
    assert "Ashutosh Dixit</a> (co-chair)" in html
    assert "Operation Sindoor" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=planned", {"putin-visit-india-2025-12"}),
        ("kind=operation", {"operation-sindoor"}),
        ("party=RU", {MEETING, "modi-visit-moscow-2024", "putin-visit-india-2025-12"}),
        (
            "year_min=2025&year_max=2025",
            {MEETING, "putin-visit-india-2025-12", "operation-sindoor"},
        ),
        ("year_max=2024", {"modi-visit-moscow-2024"}),
        ("body=IRIGC", set()),  # the meeting is the working group's, not the commission's
        (f"body={GROUP}", {MEETING}),
        ("participant=narendra-modi", {"modi-visit-moscow-2024", "putin-visit-india-2025-12"}),
        ("participant=Dixit", {MEETING}),
        ("q=New Delhi", {MEETING}),
    ],
)
def test_engagement_filters_leave_the_matching_rows(client, india_russia, query, expected):
    rows = csv_rows(client, f"{reverse('dashboard:engagement-list')}?{query}&_export=csv")
    assert {row["Slug"] for row in rows} == expected


def test_the_engagement_export_carries_dates_with_precision_and_excerpts(client, india_russia):
    rows = csv_rows(client, f"{reverse('dashboard:engagement-list')}?_export=csv")
    putin = next(row for row in rows if row["Slug"] == "putin-visit-india-2025-12")
    assert (putin["Start date"], putin["Start date precision"]) == ("2025-12", "month")
    assert putin["Status"] == "Planned"
    assert "forthcoming visit to India in December" in putin["Excerpts"]
    meeting = next(row for row in rows if row["Slug"] == MEETING)
    assert json.loads(meeting["Participants"]) == ["Ashutosh Dixit", "Dylevsky Igor Nikolayevich"]
    assert json.loads(meeting["Participants' roles"]) == ["co-chair", "co-chair"]
    assert meeting["Session"] == "5"


def test_an_engagement_page_shows_its_body_participants_outcomes_and_sources(client, india_russia):
    html = page(client, reverse("dashboard:engagement-detail", args=[MEETING]))
    assert "Working Group on Military Cooperation" in html and "session 5" in html
    assert "India-Russia Intergovernmental Commission" in html  # the body it sits under
    assert "Lt Gen" not in html or "Dylevsky Igor Nikolayevich" in html
    assert "(co-chair)" in html
    assert "explore co-development initiatives" in html
    assert "<mark>" in html  # the excerpt, found in its source


def test_a_planned_engagement_past_its_date_says_it_needs_review(client, india_russia):
    putin = Engagement.objects.get(slug="putin-visit-india-2025-12")
    html = page(client, putin.get_absolute_url())
    flagged = "Planned for a date that has passed" in html
    assert flagged == (datetime.date.today() > datetime.date(2025, 12, 31))


def test_a_standing_body_lists_its_sessions_in_order_with_their_chairs(client, india_russia):
    group = Engagement.objects.get(slug=MEETING).body
    for number, day in [(7, "2026-03"), (6, "2025-11")]:
        later = Engagement.objects.create(
            slug=f"wg-{number}",
            title=f"{number}th Meeting of the Working Group",
            kind="session",
            status="held",
            start=day,
            body=group,
            session_number=number,
        )
        EngagementParticipant.objects.create(
            engagement=later, person=Person.objects.get(slug="ashutosh-dixit"), role="co-chair"
        )
    html = page(client, group.get_absolute_url())
    sessions = html.split('id="body-sessions"', 1)[1].split("</ol>", 1)[0]
    order = [sessions.index(f"{n}th Meeting") for n in (5, 6, 7)]
    assert order == sorted(order)
    assert sessions.count("Ashutosh Dixit") == 3
    assert "Dylevsky Igor Nikolayevich" in sessions


def test_the_commission_page_names_its_chair_and_the_body_under_it(client, india_russia):
    html = page(client, reverse("dashboard:standingbody-detail", args=["irigc-m-mtc"]))
    assert "jointly chaired by the defence ministers of both countries" in html
    assert "Working Group on Military Cooperation" in html
    assert "No session of this body is recorded." in html


def test_standing_body_and_agreement_tables_filter_and_export(client, india_russia):
    bodies = csv_rows(client, "/standing-bodies/?kind=working_group&_export=csv")
    assert [row["Slug"] for row in bodies] == [GROUP]
    assert bodies[0]["Under"].startswith("India-Russia Intergovernmental Commission")
    assert bodies[0]["Sessions"] == "1"
    assert csv_rows(client, "/standing-bodies/?party=PK&_export=csv") == []
    agreements = csv_rows(client, "/agreements/?status=signed&_export=csv")
    assert [row["Slug"] for row in agreements] == ["technology-agreement-test"]
    assert csv_rows(client, "/agreements/?status=in_force&_export=csv") == []


def test_the_lists_show_a_long_notes_beginning_and_the_page_and_export_hold_it_whole(
    client, india_russia
):
    body = StandingBody.objects.get(slug="irigc-m-mtc")
    assert len(body.notes) > SHOWN_CHARS
    html = page(client, "/standing-bodies/")
    shown = Truncator(body.notes).chars(SHOWN_CHARS)
    assert escape(shown) in html
    assert escape(body.notes) not in html
    detail = page(client, reverse("dashboard:standingbody-detail", args=["irigc-m-mtc"]))
    assert escape(body.notes) in detail
    rows = csv_rows(client, "/standing-bodies/?_export=csv")
    assert body.notes in [row["Notes"] for row in rows]


def test_a_person_page_lists_their_engagements_with_their_role(client, india_russia):
    html = page(client, reverse("dashboard:person-detail", args=["narendra-modi"]))
    section = html.split('id="person-engagements"', 1)[1]
    assert "Prime Minister Modi&#x27;s visit to Moscow (2024)</a>, as visitor" in section
    assert "(December 2025)</a>, as summit counterpart" in section
    html = page(client, reverse("dashboard:person-detail", args=["denis-alipov"]))
    assert "is not recorded as taking part in any engagement" in html


def timeline(html):
    return html.split('id="pair-timeline"', 1)[1].split('id="pair-deals"', 1)[0]


def test_the_pair_timeline_interleaves_every_kind(client, india_russia):
    Agreement.objects.filter(slug="technology-agreement-test").update(
        status="signed", signed="2025-06"
    )
    html = timeline(page(client, reverse("dashboard:pair", args=["IN", "RU"])))
    for text in [
        "S-400 Triumf purchase (2018)",  # a deal
        "Denis Alipov</a>:",  # a statement
        "5th Meeting of the Working Group",  # a session
        "Operation Sindoor",  # India's operation with Russian platforms
        "visit to Moscow (2024)",  # a visit
        "Technology agreement (test record)",  # an agreement
    ]:
        assert text in html, text
    # Newest first: the agreement of June 2025 before the operation of May 2025, the visit
    # of 2024 before the deal of 2018.
    dated = html.split('<ol class="timeline">', 1)[1]
    assert dated.index("Technology agreement") < dated.index("Operation Sindoor")
    assert dated.index("Operation Sindoor") < dated.index("visit to Moscow")
    assert dated.index("visit to Moscow") < dated.index("S-400 Triumf purchase (2018)")
    upcoming = html.split('id="pair-upcoming"', 1)[1].split("</ul>", 1)[0]
    assert "visit to India (December 2025)" in upcoming
    assert "visit to India (December 2025)" not in dated


@pytest.mark.parametrize(
    ("kind", "shown", "hidden"),
    [
        (
            "engagement",
            [SINDOOR, "Upcoming"],
            ["Denis Alipov</a>:", "purchase (2018)"],
        ),
        ("deal", ["purchase (2018)"], [SINDOOR, "Upcoming"]),
        ("statement", ["Denis Alipov</a>:"], [SINDOOR, "purchase (2018)"]),
        ("agreement", [], [SINDOOR, "purchase (2018)", "Denis Alipov</a>:"]),
    ],
)
def test_the_pair_timeline_filters_by_kind(client, india_russia, kind, shown, hidden):
    html = timeline(
        page(client, reverse("dashboard:pair", args=["IN", "RU"]) + f"?timeline={kind}")
    )
    for text in shown:
        assert text in html, (kind, text)
    for text in hidden:
        assert text not in html, (kind, text)


def test_a_pair_with_nothing_in_common_shows_no_engagement(client, india_russia):
    html = page(client, reverse("dashboard:pair", args=["PK", "UA"]))
    assert "No deals, statements, engagements or agreements between" in html
    assert Party.objects.filter(code__in=["PK", "UA"]).count() == 2


def test_the_navigation_links_the_new_tables(client, india_russia):
    html = page(client, "/")
    for name in ["engagement-list", "agreement-list", "standingbody-list"]:
        assert f'href="{reverse(f"dashboard:{name}")}"' in html


@pytest.mark.parametrize(
    ("query", "group", "expected"),
    [
        ("Sindoor", "Engagements", "Operation Sindoor"),
        ("IRIGC", "Standing bodies", "India-Russia Intergovernmental Commission"),
        ("Technology agreement", "Agreements", "Technology agreement (test record)"),
    ],
)
def test_the_search_box_finds_engagements_bodies_and_agreements(
    client, india_russia, query, group, expected
):
    html = page(client, reverse("dashboard:search") + f"?q={query}")
    section = html.split(f">{group} <span", 1)[1].split("</section>", 1)[0]
    assert expected in section
