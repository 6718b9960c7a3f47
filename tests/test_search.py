"""Search as people type it: platform names without their hyphens, spaces or dots, a person's
name finding what they said, and deal results that say who, what stage and when."""

import re

import pytest
from django.db import connection

from dashboard.models import Person, Platform, Statement
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
