from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import resolve

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
from dashboard.passages import appears_in, find_passage

TEXT = "“Our discussions on this matter—as with many others—are continuous,” Alipov said."


@pytest.fixture
def world(db):
    india = Party.objects.create(name="India", code="IN", iso3="IND")
    russia = Party.objects.create(name="Russia", code="RU", iso3="RUS")
    platform = Platform.objects.create(slug="s-400", name="S-400 Triumf", category="air_defence")
    source = Source.objects.create(slug="src", title="An article", publisher="IANS", text=TEXT)
    speaker = Person.objects.create(slug="alipov", name="Denis Alipov", party=russia)
    return {
        "india": india,
        "russia": russia,
        "platform": platform,
        "source": source,
        "speaker": speaker,
    }


def new_deal(world, **fields):
    values = {
        "slug": "deal",
        "title": "Deal",
        "buyer": world["india"],
        "seller": world["russia"],
        "platform": world["platform"],
        "stage": Deal.Stage.SIGNED,
    }
    return Deal(**{**values, **fields})


def errors_of(instance):
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    return error.value.message_dict


def test_a_valid_deal_passes_and_shows_its_title(world):
    deal = new_deal(
        world,
        quantity=5,
        quantity_delivered=3,
        value_amount=Decimal("5430000000"),
        value_currency="usd",
        signed="2018",
    )
    deal.full_clean()
    deal.save()
    assert deal.value_currency == "USD"
    assert str(deal) == "Deal"
    assert deal.delivery_share == 0.6
    assert resolve(deal.get_absolute_url()).url_name == "deal-detail"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"seller": "india"}, "The buyer and the seller must be different parties."),
        ({"quantity": 5, "quantity_delivered": 6}, "The quantity delivered cannot exceed"),
        ({"value_amount": Decimal("-1"), "value_currency": "USD"}, "greater than or equal to 0"),
        ({"value_amount": Decimal("10")}, "A value needs its currency"),
        ({"value_currency": "USD"}, "A value needs its currency"),
        ({"value_amount": Decimal("10"), "value_currency": "XYZ"}, "not an ISO 4217 code"),
        ({"stage": "talks", "signed": "2025-05"}, "has not been signed"),
        ({"stage": "negotiating", "signed": "2025"}, "has not been signed"),
        ({"stage": "completed", "quantity": 5, "quantity_delivered": 3}, "delivered all its"),
        ({"stage": "completed", "quantity_delivered": 0}, "delivered all its units"),
    ],
)
def test_deal_rules_are_clear_validation_errors(world, fields, message):
    fields = {
        key: world.get(value, value) if isinstance(value, str) else value
        for key, value in fields.items()
    }
    problems = errors_of(new_deal(world, **fields))
    assert message in " ".join(sum(problems.values(), []))


@pytest.mark.parametrize(
    "fields",
    [
        {"seller": "india"},
        {"quantity": 5, "quantity_delivered": 6},
        {"value_amount": Decimal("-1"), "value_currency": "USD"},
        {"value_amount": Decimal("10")},
        {"stage": "under_consideration", "signed": "2025-05"},
        {"stage": "completed", "quantity": 5, "quantity_delivered": 3},
        {"stage": "completed", "quantity_delivered": 0},
    ],
)
def test_the_database_itself_refuses_broken_deals(world, fields):
    fields = {
        key: world.get(value, value) if isinstance(value, str) else value
        for key, value in fields.items()
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        new_deal(world, **fields).save()
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"stage": "talks"},
        {"stage": "signed", "signed": "2018"},
        {"stage": "cancelled", "signed": "2018"},
        {"stage": "completed", "quantity": 5, "quantity_delivered": 5, "signed": "2018"},
        # SIPRI's register leaves the units delivered unknown when it lists more than ordered.
        {"stage": "completed", "quantity": 5},
        {"stage": "completed", "quantity_delivered": 12},
    ],
)
def test_deals_that_follow_their_stage_are_saved(world, fields):
    deal = new_deal(world, **fields)
    deal.full_clean()
    deal.save()
    assert Deal.objects.get(slug="deal").stage == fields["stage"]


def test_the_rules_name_the_stages_before_signature(world):
    from dashboard.models import PRE_SIGNATURE

    assert list(Deal.Stage.pre_signature_stages()) == PRE_SIGNATURE


def test_a_direct_quote_must_be_in_its_source_word_for_word(world):
    quote = Statement(
        slug="q",
        speaker=world["speaker"],
        date="2025-05",
        kind="quote",
        source=world["source"],
        text="Our discussions are continuous",
    )
    assert "word for word" in errors_of(quote)["text"][0]
    # Straight quote marks, hyphens and line breaks for the typographic ones still match.
    quote.text = "Our discussions on this matter-as with many\nothers-are continuous,"
    quote.full_clean()


def test_reported_speech_needs_an_excerpt_from_the_source(world):
    report = Statement(
        slug="r",
        speaker=world["speaker"],
        date="2025",
        kind="report",
        source=world["source"],
        text="Talks continue.",
    )
    assert "needs the passage" in errors_of(report)["excerpt"][0]
    report.excerpt = "Alipov declared"
    assert "does not appear word for word" in errors_of(report)["excerpt"][0]
    report.excerpt = "are continuous,” Alipov said."
    report.full_clean()


def test_a_deal_excerpt_must_be_in_its_source(world):
    deal = new_deal(world)
    deal.save()
    citation = DealCitation(deal=deal, source=world["source"], excerpt="a treaty was signed")
    assert "An article" in errors_of(citation)["excerpt"][0]
    citation.excerpt = "as with many others"
    citation.full_clean()


def test_party_codes_are_checked_against_iso_3166(db):
    assert (
        "not an ISO 3166-1" in errors_of(Party(name="Nowhere", code="QQ", iso3="QQQ"))["code"][0]
    )
    assert "is IND, not INR" in errors_of(Party(name="India", code="IN", iso3="INR"))["iso3"][0]


def test_natural_keys_round_trip(world):
    deal = new_deal(world)
    deal.save()
    citation = DealCitation.objects.create(deal=deal, source=world["source"], excerpt="continuous")
    alias = PlatformAlias.objects.create(platform=world["platform"], name="SA-21 Growler")
    for instance in [world["india"], world["platform"], deal, citation, alias, world["speaker"]]:
        model = type(instance)
        assert model.objects.get_by_natural_key(*instance.natural_key()) == instance


def test_find_passage_locates_the_words_in_the_original_text():
    start, end = find_passage(TEXT, "as with many others")
    assert TEXT[start:end] == "as with many others"
    assert not appears_in(TEXT, "")
    assert not appears_in(TEXT, "many others are")


def test_signed_and_pre_signature_stages_split_the_deals(world):
    new_deal(world, slug="a", stage="talks").save()
    new_deal(world, slug="b", stage="in_delivery").save()
    new_deal(world, slug="c", stage="cancelled").save()
    assert [c.slug for c in Deal.objects.signed()] == ["b"]
    assert [c.slug for c in Deal.objects.before_signature()] == ["a"]
    assert Deal.objects.between(world["russia"], world["india"]).count() == 3
