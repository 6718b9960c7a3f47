"""The admin as an editor uses it: every model listed, searched, added and changed."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils.html import escape

from dashboard.models import (
    Agreement,
    AgreementCitation,
    Deal,
    DealCitation,
    Delivery,
    Engagement,
    EngagementCitation,
    EngagementParticipant,
    Party,
    Person,
    Platform,
    PlatformAlias,
    Source,
    StandingBody,
    StandingBodyCitation,
    Statement,
)

MODELS = [
    Party,
    Source,
    Person,
    Platform,
    PlatformAlias,
    Deal,
    DealCitation,
    Delivery,
    Statement,
    StandingBody,
    StandingBodyCitation,
    Engagement,
    EngagementParticipant,
    EngagementCitation,
    Agreement,
    AgreementCitation,
]


def admin_url(model, action, *args):
    return reverse(f"admin:dashboard_{model._meta.model_name}_{action}", args=args)


def form_values(form):
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[form.add_prefix(name)] = "on" if value is True else value
    return data


def submitted_as_shown(page):
    """The POST data a browser would send for the admin form on `page`, untouched."""
    data = form_values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data.update(form_values(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(form_values(form))
    return data


def save_through_admin(client, url, **changes):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {**submitted_as_shown(page), **changes})


def error_text(response):
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_anonymous_users_are_sent_to_login(client, model):
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_lists_the_records(staff_client, india_russia, model):
    response = staff_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert escape(str(model.objects.first())) in response.content.decode()


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        (Platform, "SA-21", "S-400 Triumf"),
        (Platform, "Gorshkov", "INS Vikramaditya"),
        (Deal, "Triumf", "S-400 Triumf purchase (2018)"),
        (Person, "Alipov", "Denis Alipov"),
        (Statement, "remarkably well", "Denis Alipov"),
        (Source, "IANS", "IANS"),
        (Party, "RUS", "Russia"),
    ],
)
def test_search_finds_records_by_name_and_alias(
    staff_client, india_russia, model, query, expected
):
    response = staff_client.get(admin_url(model, "changelist"), {"q": query})
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    assert expected in response.content.decode()


def test_every_change_page_saves_an_edit(staff_client, india_russia):
    for model in MODELS:
        instance = model.objects.first()
        response = save_through_admin(staff_client, admin_url(model, "change", instance.pk))
        assert response.status_code == 302, (
            model,
            response.context and [f.errors for f in [response.context["adminform"].form]],
        )


def test_changing_a_deal_updates_it(staff_client, india_russia):
    deal = Deal.objects.get(slug="s-400-2018")
    response = save_through_admin(
        staff_client, admin_url(Deal, "change", deal.pk), quantity_delivered="3"
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.quantity_delivered == 3
    assert deal.citations.count() == 2


def test_adding_one_of_each_model(staff_client, india_russia):
    india, russia = Party.objects.get(code="IN"), Party.objects.get(code="RU")
    source = Source.objects.get(slug="ians-alipov-interview-2025-05")
    platform = Platform.objects.get(slug="brahmos")
    additions = [
        (Party, {"name": "France", "code": "FR", "iso3": "FRA"}),
        (
            Source,
            {
                "slug": "new",
                "title": "New",
                "publisher": "PTI",
                "published": "May 2025",
                "text": "Rafale talks continue.",
            },
        ),
        (Person, {"slug": "someone", "name": "Someone", "kind": "person", "party": india.pk}),
        (
            Platform,
            {
                "slug": "rafale",
                "name": "Rafale",
                "category": "fighter_aircraft",
                "makers": [russia.pk],
                "aliases-0-name": "Dassault Rafale",
            },
        ),
        (PlatformAlias, {"name": "BrahMos-A", "platform": platform.pk}),
        (
            Deal,
            {
                "slug": "new-deal",
                "title": "New deal",
                "buyer": india.pk,
                "seller": russia.pk,
                "platform": platform.pk,
                "kind": "purchase",
                "stage": "talks",
                "signed": "2024-03",
                "citations-0-source": source.pk,
                "citations-0-excerpt": "jointly developed by India and Russia",
            },
        ),
        (
            Statement,
            {
                "slug": "new-statement",
                "speaker": Person.objects.first().pk,
                "date": "2025-05",
                "kind": "quote",
                "text": "very satisfied",
                "source": source.pk,
                "Statement_platforms-0-platform": platform.pk,
            },
        ),
    ]
    for model, values in additions:
        before = model.objects.count()
        response = save_through_admin(staff_client, admin_url(model, "add"), **values)
        assert response.status_code == 302, (model, error_text(response)[:3000])
        assert model.objects.count() == before + 1
    assert Platform.objects.get(slug="rafale").aliases.get().name == "Dassault Rafale"
    assert Deal.objects.get(slug="new-deal").citations.get().source == source
    assert str(Deal.objects.get(slug="new-deal").signed) == "March 2024"
    assert list(Statement.objects.get(slug="new-statement").platforms.all()) == [platform]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seller": "IN"}, "The buyer and the seller must be different parties."),
        ({"quantity": "5", "quantity_delivered": "7"}, "The quantity delivered cannot exceed"),
        ({"value_amount": "-5"}, "greater than or equal to 0"),
        ({"value_currency": "ZZZ"}, "is not an ISO 4217 code"),
        ({"signed": "2018-02-30"}, "not a real date"),
        (
            {"citations-0-excerpt": "a sentence the article never printed"},
            "does not appear word for word",
        ),
        ({"stage": "talks"}, "has not been signed: leave the signing date empty"),
        (
            {"stage": "completed", "quantity_delivered": "2"},
            "A completed deal has delivered all its units",
        ),
    ],
)
def test_broken_deal_edits_show_form_errors(staff_client, india_russia, changes, message):
    deal = Deal.objects.get(slug="s-400-2018")
    if "seller" in changes:
        changes["seller"] = Party.objects.get(code=changes["seller"]).pk
    response = save_through_admin(staff_client, admin_url(Deal, "change", deal.pk), **changes)
    assert response.status_code == 200
    assert message in error_text(response)
    deal.refresh_from_db()
    assert deal.seller.code == "RU" and deal.quantity_delivered is None


def test_a_misquote_is_a_form_error(staff_client, india_russia):
    quote = Statement.objects.filter(kind="quote").first()
    response = save_through_admin(
        staff_client, admin_url(Statement, "change", quote.pk), text="Words never said."
    )
    assert response.status_code == 200
    assert "must appear word for word" in error_text(response)
    quote.refresh_from_db()
    assert quote.text != "Words never said."


def test_an_excerpt_not_in_its_source_shows_the_source_beside_the_error(
    staff_client, india_russia
):
    deal = Deal.objects.get(slug="s-400-2018")
    source = deal.citations.get().source
    typed = "the S-400 air defence system was used during the operation"
    response = save_through_admin(
        staff_client, admin_url(Deal, "change", deal.pk), **{"citations-0-excerpt": typed}
    )
    html = error_text(response)
    error = html.split("does not appear word for word", 1)[1].split("</ul>\n", 1)[0]
    assert "Nearest in the source:" in error
    nearest = error.split("<q>", 1)[1].split("</q>", 1)[0]
    assert "S-400 air defence system was deployed during the operation" in unescape(nearest)
    assert f"The text of “{escape(source.title)}”" in html
    assert escape(source.text[:80]) in html  # the text to pick the passage from, as text


def test_a_misquote_shows_its_source_to_the_editor(staff_client, india_russia):
    quote = Statement.objects.filter(kind="quote").first()
    response = save_through_admin(
        staff_client, admin_url(Statement, "change", quote.pk), text=quote.text + " and more"
    )
    html = error_text(response)
    assert "must appear word for word" in html and "Nearest in the source:" in html


def test_the_admin_speaks_the_sites_words(staff_client, india_russia):
    deal = Deal.objects.get(slug="s-400-2018")
    changelist = error_text(staff_client.get(admin_url(Deal, "changelist")))
    for heading in ["Stage", "Units", "Units delivered", "Value", "Signed"]:
        assert f">{heading}</a>" in changelist or f">{heading}</span>" in changelist, heading
    change = error_text(staff_client.get(admin_url(Deal, "change", deal.pk)))
    assert "Units and value" in change and "Years of delivery" in change
    home = error_text(staff_client.get(reverse("admin:index")))
    for name in ["Deals", "Citations", "Years of delivery", "Statements", "Parties"]:
        assert f">{name}</a>" in home, name
