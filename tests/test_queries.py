"""Queries per page do not grow with the number of rows shown."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import (
    Agreement,
    Deal,
    Engagement,
    Party,
    Person,
    Platform,
    Source,
    StandingBody,
    Statement,
)

PAGES = [
    "/",
    "/deals/",
    "/statements/",
    "/platforms/",
    "/parties/",
    "/sources/",
    "/people/",
    "/deals/?_export=csv",
    "/statements/?_export=csv",
    "/platforms/?_export=json",
    "/people/?_export=xlsx",
    "/sources/?_export=csv",
    "/parties/IN/",
    "/platforms/s-400-triumf/",
    "/deals/s-400-2018/",
    "/people/denis-alipov/",
    "/sources/ians-alipov-interview-2025-05/",
    "/ties/IN/RU/",
    "/search/?q=S-400",
    "/statements/?platform=s-400-triumf",
    "/engagements/",
    "/engagements/?_export=csv",
    "/engagements/?participant=ashutosh-dixit",
    "/standing-bodies/",
    "/standing-bodies/?_export=json",
    "/agreements/",
    "/agreements/?_export=csv",
    "/engagements/irigc-m-mtc-working-group-military-cooperation-5/",
    "/standing-bodies/irigc-m-mtc-working-group-military-cooperation/",
    "/agreements/technology-agreement-test/",
    "/people/ashutosh-dixit/",
    "/ties/IN/RU/?timeline=engagement",
    # Facet counts (one query a facet), the undated records a year filter leaves out, chips.
    "/deals/?buyer=IN&stage=signed&year_min=2001",
    "/deals/?party=IN&counterpart=RU&col=title&col=condition&per_page=50",
    "/platforms/?category=air_defence",
    "/people/?party=IN",
    "/agreements/?year_min=2001&status=signed",
    "/sources/?year_max=2030",
    "/ties/IN/RU/?timeline=deal&timeline_year=2018",
    "/ties/IN/RU/?after=2025-05~statement~zzz",
    "/search/?q=S400",
    "/statements/?q=Alipov",
    "/statements/?q=S400",
    # The API: every list (a page holds every row grown here) and detail, and the analyses.
    "/api/deals/",
    "/api/statements/",
    "/api/platforms/",
    "/api/platform-aliases/",
    "/api/parties/",
    "/api/sources/",
    "/api/people/",
    "/api/citations/",
    "/api/deals/s-400-2018/",
    "/api/statements/?platform=s-400-triumf",
    "/api/platforms/s-400-triumf/",
    "/api/parties/IN/",
    "/api/people/denis-alipov/",
    "/api/sources/ians-alipov-interview-2025-05/",
    "/api/engagements/",
    "/api/engagements/irigc-m-mtc-working-group-military-cooperation-5/",
    "/api/participants/",
    "/api/engagement-citations/",
    "/api/standing-bodies/",
    "/api/standing-body-citations/",
    "/api/agreements/",
    "/api/agreement-citations/",
    "/api/overview/",
    "/api/ties/",
    "/api/ties/IN/RU/",
]


def grow(start, count):
    """Add `count` more of every kind of row the pages above show."""
    india, russia = Party.objects.get(code="IN"), Party.objects.get(code="RU")
    s400 = Platform.objects.get(slug="s-400-triumf")
    alipov = Person.objects.get(slug="denis-alipov")
    source = Source.objects.get(slug="ians-alipov-interview-2025-05")
    for i in range(start, start + count):
        platform = Platform.objects.create(
            slug=f"p{i}", name=f"S-400 variant {i}", category="air_defence"
        )
        platform.aliases.create(name=f"alias {i}")
        platform.makers.add(russia)
        deal = Deal.objects.create(
            slug=f"c{i}",
            title=f"S-400 deal {i}",
            buyer=india,
            seller=russia,
            platform=s400,
            stage="signed",
            value_amount=i,
            value_currency="USD",
            signed=f"{2000 + i}",
        )
        deal.citations.create(source=source, excerpt="S-400")
        statement = Statement.objects.create(
            slug=f"s{i}", speaker=alipov, date="2025", kind="quote", text="S-400", source=source
        )
        statement.platforms.add(s400, platform)
        statement.deals.add(deal)
        Person.objects.create(slug=f"person{i}", name=f"Person {i}", party=india)
        Source.objects.create(slug=f"src{i}", title=f"Source {i}", publisher="P", text="S-400")
        grow_engagements(i, india, russia, s400, deal, statement, source)


def grow_engagements(i, india, russia, platform, deal, statement, source):
    group = StandingBody.objects.get(slug="irigc-m-mtc-working-group-military-cooperation")
    body = StandingBody.objects.create(
        slug=f"b{i}", name=f"Body {i}", kind="dialogue", parent=group.parent
    )
    body.parties.add(india, russia)
    body.citations.create(source=source, excerpt="S-400")
    dixit = Person.objects.get(slug="ashutosh-dixit")
    for status in ["held", "planned"]:
        engagement = Engagement.objects.create(
            slug=f"e{i}-{status}",
            title=f"Session {i} ({status})",
            kind="session",
            status=status,
            start=f"{2000 + i}",
            country=india,
            body=group,
            session_number=100 + 2 * i + (status == "planned"),
        )
        engagement.parties.add(india, russia)
        engagement.platforms.add(platform)
        engagement.deals.add(deal)
        engagement.statements.add(statement)
        engagement.participations.create(person=dixit, role="co-chair")
        engagement.citations.create(source=source, excerpt="S-400")
    agreement = Agreement.objects.create(
        slug=f"a{i}",
        name=f"Agreement {i}",
        kind="mou",
        status="signed",
        signed=f"{2000 + i}",
        engagement=engagement,
    )
    agreement.parties.add(india, russia)
    agreement.deals.add(deal)
    agreement.citations.create(source=source, excerpt="S-400")


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, url
        response.getvalue()  # an export streams: its rows are read as it is sent
    if url.startswith("/api/") and "results" in response.json():
        assert response.json()["next"] is None, url  # every row on the one page
    return len(captured)


@pytest.mark.parametrize("url", PAGES)
def test_queries_do_not_grow_with_rows(client, india_russia, url):
    grow(0, 3)
    small = queries(client, url)
    grow(3, 12)
    assert queries(client, url) == small
