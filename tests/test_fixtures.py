"""The data set derived from the two articles: it loads, reloads without duplicates, and holds."""

import json
import re
from decimal import Decimal

from dashboard.models import (
    Deal,
    DealCitation,
    Party,
    Person,
    Platform,
    PlatformAlias,
    Source,
    Statement,
)
from tests.snapshot import database_snapshot, loaddata

MODELS = [Party, Source, Person, Platform, PlatformAlias, Deal, DealCitation, Statement]


def test_loading_twice_changes_nothing(india_russia):
    first = database_snapshot()
    loaddata("india_russia")
    assert database_snapshot() == first
    labels = {json.loads(record)["model"] for record in first}
    assert {model._meta.label_lower for model in MODELS} <= labels


def test_every_record_obeys_the_model_rules(india_russia):
    for model in MODELS:
        for instance in model.objects.all():
            instance.full_clean()


def test_every_deal_rests_on_a_source_with_an_excerpt(india_russia):
    for deal in Deal.objects.prefetch_related("citations"):
        assert deal.citations.exists(), deal
        assert all(citation.excerpt.strip() for citation in deal.citations.all())


def test_the_s400_deal_is_recorded_as_the_article_gives_it(india_russia):
    deal = Deal.objects.get(slug="s-400-2018")
    assert (deal.buyer.code, deal.seller.code) == ("IN", "RU")
    assert deal.platform.name == "S-400 Triumf"
    assert deal.quantity == 5
    assert (deal.value_amount, deal.value_currency) == (Decimal("5430000000"), "USD")
    assert str(deal.signed) == "2018" and deal.signed.precision == "year"
    assert str(deal.expected_completion) == "September 2026"
    assert deal.stage == Deal.Stage.IN_DELIVERY
    assert deal.sources.count() == 2


def test_the_s400_article_citation_holds_what_the_article_states(india_russia):
    citation = DealCitation.objects.get(
        deal__slug="s-400-2018", source__slug="agencies-alipov-putin-visit-2025"
    )
    assert (citation.quantity, citation.ordered) == (5, 2018)
    assert (citation.value_amount, citation.value_currency) == (Decimal("5430000000"), "USD")
    assert not (citation.quantity_uncertain or citation.ordered_uncertain)
    # The other article names the deal only: it states no figures.
    other = DealCitation.objects.get(
        deal__slug="s-400-2018", source__slug="ians-alipov-interview-2025-05"
    )
    assert (other.quantity, other.ordered, other.value_amount) == (None, None, None)


def test_deals_before_signature_are_recorded_at_their_stage(india_russia):
    stages = dict(
        Deal.objects.values_list("platform__name", "stage").filter(
            stage__in=Deal.Stage.pre_signature_stages()
        )
    )
    assert stages == {"S-400 Triumf": "talks", "S-500": "under_consideration", "Su-57": "talks"}


def test_aliases_name_the_same_platform(india_russia):
    assert PlatformAlias.objects.get(name="SA-21 Growler").platform.name == "S-400 Triumf"
    assert PlatformAlias.objects.get(name="Admiral Gorshkov").platform.name == "INS Vikramaditya"
    assert set(Platform.objects.get(slug="brahmos").makers.values_list("code", flat=True)) == {
        "IN",
        "RU",
    }


def test_inferred_dates_say_so(india_russia):
    for source in Source.objects.all():
        assert source.published is not None
        assert "infer" in source.date_note.lower() or "no dateline" in source.date_note.lower()
    assert str(Source.objects.get(publisher="IANS").published) == "May 2025"


def test_each_article_is_stored_whole_and_every_direct_quote_is_captured(india_russia):
    articles = [source for source in Source.objects.all() if len(source.text) > 1000]
    assert len(articles) == 2
    for source in articles:
        recorded = " ".join(f"{s.text} {s.excerpt}" for s in source.statements.all())
        # Every quotation of a full sentence in the article is a recorded statement.
        quotes = re.findall(r"“([^”]{40,})”", source.text)
        assert quotes, source.slug
        for quoted in quotes:
            assert quoted.strip(" ,.") in recorded, (source.slug, quoted)
