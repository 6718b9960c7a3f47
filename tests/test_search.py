"""Search as people type it: platform names without their hyphens, spaces or dots, a person's
name finding what they said, a platform's name finding the statements about it and its deals,
and deal results that say who, what stage and when."""

import re

import pytest
from django.db import connection
from django.db.models import Q

from dashboard.models import Deal, Person, Platform, Source, Statement
from tests.test_views import page, table_rows


@pytest.mark.parametrize("typed", ["S-400", "S400", "S 400", "s.400", "s‑400 triumf", "TRIUMF"])
def test_the_search_box_finds_the_s400_however_it_is_typed(client, india_russia, typed):
    html = page(client, f"/search/?q={typed}")
    assert 'href="/platforms/s-400-triumf/"' in html
    assert 'href="/deals/s-400-2018/"' in html


@pytest.mark.parametrize("typed", ["S400", "s 400", "S.400"])
def test_the_platform_filter_finds_the_s400_however_it_is_typed(client, india_russia, typed):
    rows = table_rows(page(client, f"/deals/?platform={typed}"))
    assert rows and all("/platforms/s-400-triumf/" in row for row in rows)
    statements = table_rows(page(client, f"/statements/?platform={typed}"))
    assert len(statements) == Statement.objects.filter(platforms__slug="s-400-triumf").count()
    platforms = table_rows(page(client, f"/platforms/?q={typed}"))
    assert [row for row in platforms if "/platforms/s-400-triumf/" in row]


def test_an_alias_is_matched_without_its_hyphens(client, india_russia):
    platform = Platform.objects.get(slug="s-400-triumf")
    platform.aliases.create(name="SA-21 Growler-X")
    html = page(client, "/search/?q=sa21growlerx")
    assert 'href="/platforms/s-400-triumf/"' in html


def test_punctuation_alone_is_searched_as_typed(client, india_russia):
    """A query of dots and dashes would match every name once they are ignored."""
    html = page(client, "/search/?q=-.")
    assert 'href="/platforms/s-400-triumf/"' not in html


def test_a_persons_name_finds_every_statement_they_made(client, india_russia):
    alipov = Person.objects.get(name__contains="Alipov")
    made = alipov.statements.count()
    mentioning = Statement.objects.filter(text__icontains="Alipov").count()
    assert made > mentioning  # the case the search must cover
    rows = table_rows(page(client, "/statements/?q=Alipov&per_page=100"))
    assert len(rows) == made
    html = page(client, "/search/?q=Alipov")
    headings = re.findall(r'<h2 id="results-\d+">(.*?)</h2>', html)
    assert f'Statements <span class="badge">{made}</span>' in headings


def statements_about_the_s400():
    about = Q(platforms__slug="s-400-triumf") | Q(deals__platform__slug="s-400-triumf")
    return set(Statement.objects.filter(about).values_list("slug", flat=True))


def listed_statements(html):
    return set(re.findall(r'href="/statements/([^/"]+)/"', "".join(table_rows(html))))


@pytest.mark.parametrize("typed", ["S400", "S 400", "s.400", "sa21"])
def test_a_platforms_name_finds_the_statements_about_it(client, india_russia, typed):
    about = statements_about_the_s400()
    # The case the search must cover: a statement about the S-400 whose words do not say it.
    assert Statement.objects.filter(slug__in=about).exclude(text__icontains="S-400").exists()
    html = page(client, f"/statements/?q={typed}&per_page=100")
    assert listed_statements(html) == about
    html = page(client, f"/search/?q={typed}")
    assert f'Statements <span class="badge">{len(about)}</span>' in html


def test_a_statement_about_a_deal_is_found_by_the_deals_platform(client, india_russia):
    statement = Statement.objects.create(
        slug="deliveries-on-time",
        speaker=Person.objects.get(slug="denis-alipov"),
        date="2025",
        kind="quote",
        text="Deliveries are on schedule.",
        source=Source.objects.get(slug="ians-alipov-interview-2025-05"),
    )
    statement.deals.add(Deal.objects.get(slug="s-400-2018"))
    html = page(client, "/statements/?q=S400&per_page=100")
    assert "deliveries-on-time" in listed_statements(html)
    # A platform of another name does not bring it.
    assert "deliveries-on-time" not in listed_statements(page(client, "/statements/?q=BrahMos"))


def test_words_that_write_the_name_otherwise_are_found(client, india_russia):
    """A statement linked to nothing, whose words write "S-400", is found by "S400"."""
    Statement.objects.create(
        slug="unlinked-s-400",
        speaker=Person.objects.get(slug="denis-alipov"),
        date="2025",
        kind="quote",
        text="The S-400 has served well.",
        source=Source.objects.get(slug="ians-alipov-interview-2025-05"),
    )
    for typed in ["S400", "s 400"]:
        html = page(client, f"/statements/?q={typed}&per_page=100")
        assert "unlinked-s-400" in listed_statements(html), typed
    assert "unlinked-s-400" not in listed_statements(page(client, "/statements/?q=S500"))


def test_words_are_still_found_beside_the_platforms(client, india_russia):
    """A query that names no platform finds the statements whose words say it."""
    html = page(client, "/statements/?q=game+changer")
    assert listed_statements(html) == {"iaf-s-400-game-changer"}


def test_deal_results_say_buyer_seller_stage_and_year(client, india_russia):
    html = page(client, "/search/?q=S400")
    line = html.split('href="/deals/s-400-2018/"', 1)[1].split("</li>", 1)[0]
    assert "India from Russia" in line
    assert "signed" in line and "2018" in line


def test_postgresql_serves_the_name_match_from_its_trigram_index(india_russia):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no index for a substring")
    from dashboard.search import name_contains

    with connection.cursor() as cursor:
        # On a table this small a walk of any index costs less than the trigram index; with
        # plain scans off, only an index that can answer the match itself is left.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        query = Platform.objects.filter(name_contains("name", "S400"))
        plan = query.explain()
        cursor.execute("SET enable_seqscan = on")
        cursor.execute("SET enable_indexscan = on")
    assert "platform_name_key_idx" in plan
    assert [p.slug for p in query] == ["s-400-triumf"]
