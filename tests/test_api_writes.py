"""Writing through the API: every kind of user against every model's create, update and delete,
as for the admin (tests/test_permissions.py); a refused write changes nothing and an accepted
one is in the record's history with its user and reason; the model's own rules give 400s
naming the field; tokens are made and revoked in the admin, each staff user their own."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.authtoken.models import Token

from dashboard.api import serializers  # noqa: F401 - declaring them fills SERIALIZERS
from dashboard.api.fields import SERIALIZERS
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
from tests.snapshot import database_snapshot
from tests.test_admin import MODELS
from tests.test_permissions import CHANGES, GROUP_OF, MAY, ROLES, doomed

IANS = "ians-alipov-interview-2025-05"
REASON = "Checked against the ministry's statement"
PREFIX = {
    Party: "parties",
    Source: "sources",
    Person: "people",
    Platform: "platforms",
    PlatformAlias: "platform-aliases",
    Deal: "deals",
    DealCitation: "citations",
    Delivery: "deliveries",
    Statement: "statements",
    Engagement: "engagements",
    EngagementParticipant: "participants",
    EngagementCitation: "engagement-citations",
    StandingBody: "standing-bodies",
    StandingBodyCitation: "standing-body-citations",
    Agreement: "agreements",
    AgreementCitation: "agreement-citations",
}


def user_for(role, user_model):
    if role == "anonymous":
        return None
    if role == "superuser":
        return user_model.objects.create_superuser(role, f"{role}@example.org", "pw")
    user = user_model.objects.create_user(role, password="pw", is_staff=role != "reader")
    if role in GROUP_OF:
        user.groups.add(Group.objects.get(name=GROUP_OF[role]))
    return user


def api_client(user) -> Client:
    """A script's client: the user's token in every request, no session."""
    if user is None:
        return Client()
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def key_of(record):
    return getattr(record, SERIALIZERS[type(record)].key_field)


def detail_url(record):
    return f"/api/{PREFIX[type(record)]}/{key_of(record)}/"


def read_tag(client, url) -> str:
    """The ETag a read of the record gives: a change or a delete names it in If-Match."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response["ETag"]


def additions():
    """For each model, what a script sends to create one."""
    uncited = Deal.objects.exclude(sources__slug=IANS).first()
    return {
        Party: {"name": "France", "code": "FR", "iso3": "FRA"},
        Source: {
            "slug": "new",
            "title": "New",
            "publisher": "PTI",
            "published": "May 2025",
            "text": "Rafale talks continue.",
        },
        Person: {"slug": "someone", "name": "Someone", "kind": "person", "party": "IN"},
        Platform: {
            "slug": "rafale",
            "name": "Rafale",
            "category": "fighter_aircraft",
            "makers": ["RU"],
        },
        PlatformAlias: {"name": "BrahMos-A", "platform": "brahmos"},
        Deal: {
            "slug": "new-deal",
            "title": "New deal",
            "buyer": "IN",
            "seller": "RU",
            "platform": "brahmos",
            "stage": "signed",
            "signed": "7 May 2025",
        },
        DealCitation: {
            "deal": uncited.slug,
            "source": IANS,
            "excerpt": "jointly developed by India and Russia",
        },
        Delivery: {"deal": uncited.slug, "year": 1999},
        Statement: {
            "slug": "new-statement",
            "speaker": Person.objects.first().slug,
            "date": "2025-05",
            "kind": "quote",
            "text": "very satisfied",
            "source": IANS,
            "platforms": ["brahmos", "s-400-triumf"],
        },
        StandingBody: {
            "slug": "new-body",
            "name": "New working group",
            "kind": "working_group",
            "parties": ["IN", "RU"],
            "parent": "irigc-m-mtc",
        },
        StandingBodyCitation: {
            "body": "irigc-m-mtc-working-group-military-cooperation",
            "source": IANS,
            "excerpt": "jointly chaired by the defence ministers",
        },
        Engagement: {
            "slug": "new-engagement",
            "title": "New talks",
            "kind": "talks",
            "status": "planned",
            "start": "2026-05",
            "parties": ["IN", "RU"],
            "platforms": ["su-57"],
        },
        EngagementParticipant: {
            "engagement": "operation-sindoor",
            "person": "indian-air-force",
            "role": "operator",
        },
        EngagementCitation: {
            "engagement": "modi-visit-moscow-2024",
            "source": IANS,
            "excerpt": "jointly developed by India and Russia",
        },
        Agreement: {
            "slug": "new-agreement",
            "name": "New agreement",
            "kind": "mou",
            "status": "signed",
            "signed": "2025-05",
            "parties": ["IN", "RU"],
            "engagement": "modi-visit-moscow-2024",
        },
        AgreementCitation: {
            "agreement": "technology-agreement-test",
            "source": IANS,
            "excerpt": "jointly developed by India and Russia",
        },
    }


def latest_version(model, **lookup):
    return model.history.filter(**lookup).order_by("-history_date", "-history_id").first()


def api_create(client, role, user, model):
    before = database_snapshot(history=True)
    response = client.post(
        f"/api/{PREFIX[model]}/",
        additions()[model],
        content_type="application/json",
        HTTP_X_CHANGE_REASON=REASON,
    )
    if role not in MAY["add"]:
        assert response.status_code == (401 if user is None else 403), (role, model)
        assert database_snapshot(history=True) == before, (role, model)
        return
    assert response.status_code == 201, (role, model, response.content[:500])
    created = model.objects.get(
        **{SERIALIZERS[model].key_field: response.json()[SERIALIZERS[model].key_name]}
    )
    assert client.get(detail_url(created)).json() == response.json()
    version = latest_version(model, id=created.pk)
    assert (version.history_type, version.history_user, version.history_change_reason) == (
        "+",
        user,
        REASON,
    )


def api_update(client, role, user, model):
    record = model.objects.order_by("pk").first()
    field, value = CHANGES[model](record)
    tag = read_tag(client, detail_url(record))
    before = database_snapshot(history=True)
    response = client.patch(
        detail_url(record),
        {field: value},
        content_type="application/json",
        HTTP_X_CHANGE_REASON=REASON,
        HTTP_IF_MATCH=tag,
    )
    record.refresh_from_db()
    if role not in MAY["change"]:
        assert response.status_code == (401 if user is None else 403), (role, model)
        assert database_snapshot(history=True) == before, (role, model)
        return
    assert response.status_code == 200, (role, model, response.content[:500])
    assert getattr(record, field) == value and response.json()[field] == value
    version = latest_version(model, id=record.pk)
    assert (version.history_type, version.history_user, version.history_change_reason) == (
        "~",
        user,
        REASON,
    )


def api_delete(client, role, user, model):
    record = doomed(model)
    url = detail_url(record)
    tag = read_tag(client, url)
    before = database_snapshot(history=True)
    response = client.delete(url, HTTP_X_CHANGE_REASON=REASON, HTTP_IF_MATCH=tag)
    if role not in MAY["delete"]:
        assert response.status_code == (401 if user is None else 403), (role, model)
        assert database_snapshot(history=True) == before, (role, model)
        return
    assert response.status_code == 204, (role, model, response.content[:500])
    assert not model.objects.filter(pk=record.pk).exists()
    assert client.get(url).status_code == 404
    version = latest_version(model, id=record.pk)
    assert (version.history_type, version.history_user, version.history_change_reason) == (
        "-",
        user,
        REASON,
    )


API_ACTIONS = {"add": api_create, "change": api_update, "delete": api_delete}


@pytest.mark.parametrize("action", API_ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_api_write_on_every_model(role, action, india_russia, django_user_model):
    user = user_for(role, django_user_model)
    client = api_client(user)
    for model in MODELS:
        API_ACTIONS[action](client, role, user, model)
    # Reading is everyone's (the site needs no login here).
    assert client.get("/api/deals/").status_code == 200


def test_every_model_has_an_endpoint():
    assert set(PREFIX) == set(MODELS) == set(SERIALIZERS)


def test_a_session_write_needs_the_csrf_token(india_russia, django_user_model):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user_for("editor", django_user_model))
    before = database_snapshot(history=True)
    response = browser.post("/api/parties/", additions()[Party], content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert database_snapshot(history=True) == before


def test_the_reason_is_optional_and_bounded(india_russia, django_user_model):
    user = user_for("editor", django_user_model)
    client = api_client(user)
    deal = Deal.objects.get(slug="s-400-2018")
    url = detail_url(deal)
    too_long = client.patch(
        url,
        {"notes": "x"},
        content_type="application/json",
        HTTP_X_CHANGE_REASON="r" * 101,
        HTTP_IF_MATCH=read_tag(client, url),
    )
    assert too_long.status_code == 400 and "X-Change-Reason" in too_long.json()
    assert Deal.objects.get(pk=deal.pk).notes == deal.notes
    unexplained = client.patch(
        url, {"notes": "y"}, content_type="application/json", HTTP_IF_MATCH=read_tag(client, url)
    )
    assert unexplained.status_code == 200
    version = latest_version(Deal, id=deal.pk)
    assert (version.history_user, version.history_change_reason) == (user, None)
    # A reason in UTF-8, as curl sends it, is read as such.
    reason = "Vérifié — communiqué"
    client.patch(
        url,
        {"notes": "z"},
        content_type="application/json",
        HTTP_X_CHANGE_REASON=reason.encode().decode("latin-1"),
        HTTP_IF_MATCH=read_tag(client, url),
    )
    assert latest_version(Deal, id=deal.pk).history_change_reason == reason


# --- The model's own rules ---------------------------------------------------------------------


def statement(**fields):
    return {
        "slug": "new-statement",
        "speaker": "denis-alipov",
        "date": "2025-05",
        "kind": "quote",
        "text": "very satisfied",
        "source": IANS,
        **fields,
    }


REFUSED = [
    # (endpoint, body, field named, part of the message)
    (
        "statements",
        statement(text="We will buy a hundred more at once."),
        "text",
        "must appear word for word in its source",
    ),
    (
        "statements",
        statement(kind="report", text="Talks go on."),
        "excerpt",
        "Reported speech needs the passage",
    ),
    (
        "statements",
        statement(kind="report", text="Talks go on.", excerpt="no such passage anywhere"),
        "excerpt",
        "does not appear word for word in the source",
    ),
    ("statements", statement(date="31 February 2025"), "date", "is not a real date"),
    ("statements", statement(platforms=["no-such-platform"]), "platforms", "No platform has"),
    (
        "citations",
        {"deal": "s-400-2018", "source": IANS, "excerpt": "not in the article at all"},
        "excerpt",
        "does not appear word for word in the source",
    ),
    (
        "deals",
        {"slug": "d", "title": "D", "buyer": "IN", "seller": "IN", "platform": "brahmos"}
        | {"stage": "talks"},
        "non_field_errors",
        "The buyer and the seller must be different parties.",
    ),
    (
        "deals",
        {"slug": "d", "title": "D", "buyer": "IN", "seller": "RU", "platform": "brahmos"}
        | {"stage": "talks", "value_amount": "10", "value_currency": "XYZ"},
        "value_currency",
        "“XYZ” is not an ISO 4217 code.",
    ),
    (
        "deals",
        {"slug": "s-400-2018", "title": "D", "buyer": "IN", "seller": "RU"}
        | {"platform": "brahmos", "stage": "talks"},
        "slug",
        "Deal with this Slug already exists.",
    ),
    (
        "deals",
        {"slug": "d", "title": "D", "buyer": "XX", "seller": "RU", "platform": "brahmos"}
        | {"stage": "talks"},
        "buyer",
        "No party has the code “XX”.",
    ),
    (
        "deals",
        {"slug": "d", "title": "D", "buyer": "IN", "seller": "RU", "platform": "brahmos"}
        | {"stage": "talks", "signed": "2025-05"},
        "signed",
        "has not been signed: leave the signing date empty",
    ),
    (
        "deals",
        {"slug": "d", "title": "D", "buyer": "IN", "seller": "RU", "platform": "brahmos"}
        | {"stage": "completed", "quantity": 5, "quantity_delivered": 2},
        "quantity_delivered",
        "A completed deal has delivered all its units",
    ),
    ("parties", {"name": "Nowhere", "code": "QQ", "iso3": "QQQ"}, "code", "is not an ISO 3166-1"),
    # Each field takes the JSON type the schema gives it, no other.
    ("parties", {"name": 5, "code": "FR", "iso3": "FRA"}, "name", "Give text, not int."),
    (
        "deals",
        {"slug": "d", "title": "D", "buyer": "IN", "seller": "RU", "platform": "brahmos"}
        | {"stage": "talks", "quantity": "5"},
        "quantity",
        "Give a whole number, not str.",
    ),
    ("platform-aliases", {"name": "BrahMos", "platform": "brahmos"}, "name", "must differ"),
]


@pytest.mark.parametrize(("prefix", "body", "field", "message"), REFUSED)
def test_the_models_rules_give_a_400_naming_the_field(
    india_russia, django_user_model, prefix, body, field, message
):
    client = api_client(user_for("editor", django_user_model))
    before = database_snapshot(history=True)
    response = client.post(f"/api/{prefix}/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:500]
    assert any(message in text for text in response.json()[field]), response.json()
    assert database_snapshot(history=True) == before


def test_a_record_others_rest_on_is_not_deleted(india_russia, django_user_model):
    client = api_client(user_for("maintainer", django_user_model))
    url = f"/api/sources/{IANS}/"
    tag = read_tag(client, url)
    before = database_snapshot(history=True)
    response = client.delete(url, HTTP_IF_MATCH=tag)
    assert response.status_code == 409
    body = response.json()
    assert "rest on this one" in body["detail"]
    assert any(name.startswith("statement: ") for name in body["protected"])
    assert database_snapshot(history=True) == before


def test_an_editor_adds_a_statement_and_sees_it_in_history(india_russia, django_user_model):
    editor = user_for("editor", django_user_model)
    client = api_client(editor)
    response = client.post(
        "/api/statements/",
        statement(platforms=["s-400-triumf"]),
        content_type="application/json",
        HTTP_X_CHANGE_REASON="From the IANS interview",
    )
    assert response.status_code == 201
    body = response.json()
    assert [p["slug"] for p in body["platforms"]] == ["s-400-triumf"]
    assert body["speaker"]["name"] == "Denis Alipov" and body["date_precision"] == "month"
    created = Statement.objects.get(slug="new-statement")
    assert [p.slug for p in created.platforms.all()] == ["s-400-triumf"]
    version = created.history.get()
    assert (version.history_user, version.history_change_reason) == (
        editor,
        "From the IANS interview",
    )
    # ... and the page of the record says so; its filter finds it.
    assert "Last changed on" in client.get(created.get_absolute_url()).content.decode()
    found = client.get("/api/statements/?platform=s-400-triumf&q=satisfied").json()["results"]
    assert "new-statement" in [s["slug"] for s in found]


def test_a_put_replaces_the_record_and_its_links(india_russia, django_user_model):
    client = api_client(user_for("editor", django_user_model))
    record = Statement.objects.filter(platforms__isnull=False).first()
    read = client.get(detail_url(record))
    body = read.json()
    replaced = {
        "slug": record.slug,
        "speaker": body["speaker"]["slug"],
        "date": body["date"],
        "kind": body["kind"],
        "text": body["text"],
        "source": body["source"]["slug"],
        "excerpt": body["excerpt"],
        "platforms": [],
        "deals": [],
    }
    response = client.put(
        detail_url(record), replaced, content_type="application/json", HTTP_IF_MATCH=read["ETag"]
    )
    assert response.status_code == 200, response.content[:500]
    assert response.json()["platforms"] == [] and not record.platforms.exists()


# --- Tokens ------------------------------------------------------------------------------------

TOKENS = "/admin/authtoken/tokenproxy/"


def test_a_staff_user_makes_and_revokes_their_own_token(client, india_russia, django_user_model):
    editor = user_for("editor", django_user_model)
    other = user_for("superuser", django_user_model)
    others_token = Token.objects.create(user=other)
    client.force_login(editor)

    # The add form names no user; a user given anyway is not taken.
    page = client.get(f"{TOKENS}add/").content.decode()
    assert 'name="user"' not in page
    response = client.post(f"{TOKENS}add/", {"user": other.pk})
    assert response.status_code == 302
    mine = Token.objects.get(user=editor)
    assert Token.objects.get(user=other) == others_token

    # The list shows the editor's token only; the other's cannot be opened or deleted.
    listed = client.get(TOKENS).content.decode()
    assert mine.key in listed and others_token.key not in listed
    assert client.get(f"{TOKENS}{other.pk}/change/").status_code in {302, 403, 404}
    assert client.post(f"{TOKENS}{other.pk}/delete/", {"post": "yes"}).status_code != 200
    assert Token.objects.filter(user=other).exists()

    # A second token is refused with a reason; the token works until revoked.
    again = client.post(f"{TOKENS}add/", {})
    assert "You have a token already" in again.content.decode()
    script = Client(HTTP_AUTHORIZATION=f"Token {mine.key}")
    created = script.post("/api/parties/", additions()[Party], content_type="application/json")
    assert created.status_code == 201
    assert client.post(f"{TOKENS}{editor.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(user=editor).exists()
    assert script.get("/api/parties/").status_code == 401


def test_a_superuser_makes_a_token_for_a_reader(client, db, django_user_model):
    reader = user_for("reader", django_user_model)
    client.force_login(user_for("superuser", django_user_model))
    assert client.post(f"{TOKENS}add/", {"user": reader.pk}).status_code == 302
    token = Token.objects.get(user=reader)
    script = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert script.get("/api/parties/").status_code == 200
    assert script.post("/api/parties/", {}, content_type="application/json").status_code == 403


def test_no_group_gives_token_permissions_to_manage_others(db):
    for name in GROUP_OF.values():
        labels = Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", flat=True
        )
        assert "authtoken" not in set(labels)


def test_a_delete_records_its_user_on_the_records_it_takes_along(india_russia, django_user_model):
    maintainer = user_for("maintainer", django_user_model)
    deal = Deal.objects.filter(citations__isnull=False).first()
    citations = list(deal.citations.values_list("pk", flat=True))
    client = api_client(maintainer)
    url = detail_url(deal)
    response = client.delete(url, HTTP_X_CHANGE_REASON=REASON, HTTP_IF_MATCH=read_tag(client, url))
    assert response.status_code == 204
    assert not DealCitation.objects.filter(pk__in=citations).exists()
    for pk in citations:
        assert latest_version(DealCitation, id=pk).history_user == maintainer
