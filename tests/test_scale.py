"""Synthetic data, the cache and its invalidation, and full-text search on both databases."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from dashboard.models import Deal, DealCitation, Platform, Statement


def fixture_text(**options):
    out = io.StringIO()
    call_command("generate_synthetic", fixture="-", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_synthetic_data_is_deterministic_for_a_seed(db):
    first = fixture_text(scale=0.001, seed=7)
    assert first == fixture_text(scale=0.001, seed=7)
    assert first != fixture_text(scale=0.001, seed=8)
    models = {json.loads(line)["model"] for line in first.splitlines()}
    assert "dashboard.statement" in models and "dashboard.dealcitation" in models


def test_synthetic_data_in_the_database_obeys_every_rule(db):
    call_command("generate_synthetic", scale=0.001, seed=3, stderr=io.StringIO())
    assert Statement.objects.count() == 1000 and Deal.objects.count() == 100
    for model in (Statement, DealCitation, Deal, Platform):
        for instance in model.objects.all()[:200]:
            instance.full_clean()
    # A few platforms and pairs hold most deals.
    top = (
        Deal.objects.values("platform")
        .order_by()
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
        .order_by("-n")
    )
    assert top[0]["n"] > 5 * (Deal.objects.count() / Platform.objects.count())
    # New rows get fresh ids after the generator wrote its own.
    Platform.objects.create(slug="after", name="After", category="other")


def test_synthetic_refuses_to_mix_with_existing_data(india_russia):
    with pytest.raises(CommandError, match="already hold records"):
        call_command("generate_synthetic", scale=0.001, stderr=io.StringIO())
    call_command("generate_synthetic", scale=0.001, replace=True, stderr=io.StringIO())
    assert not Deal.objects.filter(slug="s-400-2018").exists()


def test_fixture_written_by_the_generator_loads(db, tmp_path):
    path = tmp_path / "synthetic.json"
    lines = fixture_text(scale=0.001, seed=2).splitlines()
    path.write_text(json.dumps([json.loads(line) for line in lines]), encoding="utf-8")
    call_command("loaddata", str(path), verbosity=0)
    assert Statement.objects.count() == 1000


def overview_talks(client):
    html = client.get("/").content.decode()
    start = html.index('<script id="chart-deals-by-stage"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    return dict(zip(data["labels"], data["datasets"][0]["data"], strict=True))["Talks"]


def test_an_admin_edit_invalidates_the_cached_overview(admin_client, india_russia):
    before = overview_talks(admin_client)
    deal = Deal.objects.get(slug="s-500-consideration")
    page = admin_client.get(reverse("admin:dashboard_deal_change", args=[deal.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
        for f in inline.formset.forms:
            data.update({f.add_prefix(n): f[n].value() or "" for n in f.fields if n != "DELETE"})
    data["stage"] = "talks"
    response = admin_client.post(page.request["PATH_INFO"], data)
    assert response.status_code == 302
    assert overview_talks(admin_client) == before + 1


def test_a_cached_overview_is_served_without_recomputing(client, india_russia):
    from django.test.utils import CaptureQueriesContext

    client.get("/")
    with CaptureQueriesContext(connection) as second:
        client.get("/")
    assert len(second) <= 1  # the session-less page needs at most the pairs lookup


def test_a_load_invalidates_the_cached_overview(client, india_russia, tmp_path):
    before = overview_talks(client)
    fixture = tmp_path / "more.json"
    source = json.loads(Path("fixtures/india_russia.json").read_text(encoding="utf-8"))
    deal = next(
        o
        for o in source
        if o["model"] == "dashboard.deal" and o["fields"]["slug"] == "s-500-consideration"
    )
    deal["fields"]["stage"] = "talks"
    fixture.write_text(json.dumps([deal]), encoding="utf-8")
    call_command("loaddata", str(fixture), verbosity=0)
    assert overview_talks(client) == before + 1


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        ("statement", "game changer", {"Indian Air Force"}),
        ("statement", "remarkably well", {"Denis Alipov"}),
        ("statement", "Su-57", {"Denis Alipov"}),
        ("source", "Vikramaditya", {"IANS"}),
        ("source", "Agencies", {"Agencies"}),
    ],
)
def test_search_finds_the_same_records_on_every_database(
    client, india_russia, model, query, expected
):
    from dashboard.filters import SourceFilterSet, StatementFilterSet
    from dashboard.models import Source

    if model == "statement":
        found = StatementFilterSet({"q": query}, queryset=Statement.objects.all()).qs
        assert {s.speaker.name for s in found} == expected
    else:
        found = SourceFilterSet({"q": query}, queryset=Source.objects.all()).qs
        assert {s.publisher for s in found} == expected
    assert found.exists()


def test_postgresql_matches_words_by_their_stem(india_russia):
    """On PostgreSQL a word finds its other forms ("remarkable" finds "remarkably"), and the
    full-text indexes are there; SQLite matches the letters as given."""
    from dashboard.filters import StatementFilterSet

    found = StatementFilterSet({"q": "remarkable"}, queryset=Statement.objects.all()).qs
    assert {s.speaker.name for s in found} == (
        {"Denis Alipov"} if connection.vendor == "postgresql" else set()
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%fulltext%'")
            found = {row[0] for row in cursor.fetchall()}
        assert found == {"statement_fulltext_idx", "source_fulltext_idx"}
