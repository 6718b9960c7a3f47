"""Who may do what: every kind of user against every page and export, every admin view, add,
change and delete, and the fixture upload, with and without DASHBOARD_LOGIN_REQUIRED. Each gets
exactly what the rules say (README, "Who may do what"), and a refused write changes nothing."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dashboard.exports import FORMATS as EXPORT_FORMATS
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
from tests.test_admin import MODELS, admin_url, submitted_as_shown
from tests.test_load_fixtures_admin import confirm_fields
from tests.test_security import manage, python
from tests.test_views import LISTS, detail_urls

LOGIN_REQUIRED_MIDDLEWARE = "dashboard.middleware.LoginRequiredMiddleware"
UPLOAD_PAGE = "/admin/dashboard/load-fixtures/"

# anonymous: not signed in; reader: signed in, not staff; staff: staff in no group.
ROLES = ["anonymous", "reader", "staff", "viewer", "editor", "maintainer", "superuser"]
GROUP_OF = {"viewer": "Viewers", "editor": "Editors", "maintainer": "Maintainers"}
SENT_TO_ADMIN_LOGIN = {"anonymous", "reader"}  # the admin is for staff only
MAY = {
    "view": {"viewer", "editor", "maintainer", "superuser"},
    "add": {"editor", "maintainer", "superuser"},
    "change": {"editor", "maintainer", "superuser"},
    "delete": {"maintainer", "superuser"},
    "load": {"editor", "maintainer", "superuser"},
}


# --- Users and what they see -------------------------------------------------------------------


def user_for(role, user_model):
    """A user of the kind `role` names, as an admin would set one up; None for anonymous."""
    if role == "anonymous":
        return None
    if role == "superuser":
        return user_model.objects.create_superuser(role, f"{role}@example.org", "pw")
    user = user_model.objects.create_user(role, password="pw", is_staff=role != "reader")
    if role in GROUP_OF:
        user.groups.add(Group.objects.get(name=GROUP_OF[role]))
    return user


@pytest.fixture
def role_client(client, django_user_model, role):
    user = user_for(role, django_user_model)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def form_client(db, django_user_model):
    """A superuser's client, to render each admin form as a browser would post it."""
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("forms", "f@example.org", "pw"))
    return client


def require_login(settings):
    """What DASHBOARD_LOGIN_REQUIRED=1 does to the settings (a test client reads the middleware
    when it serves its first request)."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        LOGIN_REQUIRED_MIDDLEWARE,
    )
    settings.MIDDLEWARE = middleware
    settings.DASHBOARD_LOGIN_REQUIRED = True


def assert_sent_to(response, login_url, url):
    assert response.status_code == 302, url
    location = urlsplit(response.url)
    assert location.path == login_url, url
    assert parse_qs(location.query)["next"] == [url]


def assert_refused(role, response, url):
    """Who may not: sent to the admin's login page when not staff, 403 otherwise."""
    if role in SENT_TO_ADMIN_LOGIN:
        assert_sent_to(response, reverse("admin:login"), url)
    else:
        assert response.status_code == 403, (role, url)


# --- The groups --------------------------------------------------------------------------------


def record_models():
    """The dashboard's records: the models with a history (not the historical models that
    keep it, nor the data version behind the cache)."""
    models = apps.get_app_config("dashboard").get_models()
    return [model for model in models if hasattr(model, "history")]


def history_models():
    models = apps.get_app_config("dashboard").get_models()
    return [model for model in models if hasattr(model, "instance_type")]


def dashboard_codenames(*actions, models=None):
    models = record_models() if models is None else models
    return {f"{action}_{model._meta.model_name}" for action in actions for model in models}


# Every group may read the history; nobody may write it (migration 0006).
HISTORY_VIEW = dashboard_codenames("view", models=history_models())


def group_codenames(name):
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def test_the_migration_creates_the_three_groups(db):
    assert len(HISTORY_VIEW) == len(record_models())
    assert group_codenames("Viewers") == dashboard_codenames("view") | HISTORY_VIEW
    assert (
        group_codenames("Editors") == dashboard_codenames("view", "add", "change") | HISTORY_VIEW
    )
    assert (
        group_codenames("Maintainers")
        == dashboard_codenames("view", "add", "change", "delete") | HISTORY_VIEW
    )
    # Only the dashboard's records: no group may manage users, groups or the lock-out records.
    for name in GROUP_OF.values():
        apps_granted = Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", flat=True
        )
        assert set(apps_granted) == {"dashboard"}


GROUP_CODENAMES = """
from django.contrib.auth.models import Group, Permission
groups = {g.name: sorted(p.codename for p in g.permissions.all()) for g in Group.objects.all()}
codenames = sorted(Permission.objects.filter(content_type__app_label="dashboard")
                   .values_list("codename", flat=True))
print(json.dumps({"groups": groups, "codenames": codenames}))
"""


def test_the_groups_survive_migrating_down_and_up_again(tmp_path):
    """On a database of its own: down past the migration that makes the groups, and up again
    through every later one (history, the renames of deals and parties). The groups then hold
    exactly what they hold after a first migrate, and no permission has an old name."""
    database = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    steps = [("migrate",), ("migrate", "dashboard", "0003"), ("migrate",)]
    states = []
    for step in steps:
        assert manage(*step, "--noinput", DATABASE_URL=database).returncode == 0
        states.append(json.loads(python(GROUP_CODENAMES, DATABASE_URL=database).stdout))
    first, down, again = states
    assert down["groups"] == {}
    assert again == first
    assert "add_deal" in first["groups"]["Editors"]
    assert not [name for name in first["codenames"] if "contract" in name or "country" in name]


# --- The dashboard's pages and exports ---------------------------------------------------------


def dashboard_urls():
    """Every list, detail, pair, search and overview page, and every export of every list."""
    lists = [reverse(f"dashboard:{name}") for name in LISTS]
    return [
        *lists,
        reverse("dashboard:pair-list"),
        *detail_urls(),  # the detail pages, a pair, a search and the overview
        *[f"{url}?_export={fmt}" for url in lists for fmt in EXPORT_FORMATS],
    ]


@pytest.mark.parametrize("login_required", [False, True], ids=["open", "login-required"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_export(role_client, role, login_required, india_russia, settings):
    if login_required:
        require_login(settings)
    for url in dashboard_urls():
        response = role_client.get(url)
        if login_required and role == "anonymous":
            assert_sent_to(response, reverse("login"), url)
        else:
            assert response.status_code == 200, (role, url)


def test_with_login_required_the_sign_in_page_health_and_static_files_stay_open(
    client, db, settings
):
    require_login(settings)
    assert client.get(reverse("login")).status_code == 200
    assert client.get("/health/").content == b"ok"
    assert client.get("/static/dashboard/dashboard.css").status_code == 200
    assert client.get("/favicon.ico").status_code == 301
    # The admin's pages keep the admin's own login page, which takes staff only.
    for url in [admin_url(Deal, "changelist"), UPLOAD_PAGE]:
        assert_sent_to(client.get(url), reverse("admin:login"), url)


@pytest.mark.parametrize("value", ["1", ""], ids=["on", "off"])
def test_the_environment_variable_turns_the_login_requirement_on(value):
    process = python(
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "print(json.dumps([settings.DASHBOARD_LOGIN_REQUIRED, settings.MIDDLEWARE,"
        " client.get('/deals/', secure=True).get('Location'),"
        " client.get('/health/', secure=True).status_code]))",
        DATABASE_URL="sqlite:///:memory:",
        DASHBOARD_LOGIN_REQUIRED=value,
    )
    assert process.returncode == 0, process.stderr
    required, middleware, location, health = json.loads(process.stdout)
    assert health == 200
    if value:
        assert required is True
        assert middleware.index(LOGIN_REQUIRED_MIDDLEWARE) == (
            middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
        )
        assert location == "/accounts/login/?next=/deals/"
    else:
        assert required is False
        assert LOGIN_REQUIRED_MIDDLEWARE not in middleware
        # Readable without a login: the page itself answers (here, 503: no tables in memory).
        assert location is None


# --- The admin ---------------------------------------------------------------------------------


def additions():
    """For each model, what an editor types into its add form."""
    india, russia = Party.objects.get(code="IN"), Party.objects.get(code="RU")
    source = Source.objects.get(slug="ians-alipov-interview-2025-05")
    platform = Platform.objects.get(slug="brahmos")
    return {
        Party: {"name": "France", "code": "FR", "iso3": "FRA"},
        Source: {
            "slug": "new",
            "title": "New",
            "publisher": "PTI",
            "published": "May 2025",
            "text": "Rafale talks continue.",
        },
        Person: {"slug": "someone", "name": "Someone", "kind": "person", "party": india.pk},
        Platform: {
            "slug": "rafale",
            "name": "Rafale",
            "category": "fighter_aircraft",
            "aliases-0-name": "Dassault Rafale",
        },
        PlatformAlias: {"name": "BrahMos-A", "platform": platform.pk},
        Deal: {
            "slug": "new-deal",
            "title": "New deal",
            "buyer": india.pk,
            "seller": russia.pk,
            "platform": platform.pk,
            "kind": "purchase",
            "stage": "talks",
            "citations-0-source": source.pk,
            "citations-0-excerpt": "jointly developed by India and Russia",
        },
        DealCitation: {
            "deal": Deal.objects.exclude(sources=source).first().pk,
            "source": source.pk,
            "excerpt": "jointly developed by India and Russia",
        },
        Delivery: {"deal": Deal.objects.first().pk, "year": 1999},
        Statement: {
            "slug": "new-statement",
            "speaker": Person.objects.first().pk,
            "date": "2025-05",
            "kind": "quote",
            "text": "very satisfied",
            "source": source.pk,
        },
        StandingBody: {
            "slug": "new-body",
            "name": "New working group",
            "kind": "working_group",
            "parties": [india.pk, russia.pk],
            "parent": StandingBody.objects.get(slug="irigc-m-mtc").pk,
            "citations-0-source": source.pk,
            "citations-0-excerpt": "jointly chaired by the defence ministers",
        },
        StandingBodyCitation: {
            "body": uncited(StandingBody, source),
            "source": source.pk,
            "excerpt": "jointly chaired by the defence ministers",
        },
        Engagement: {
            "slug": "new-engagement",
            "title": "New talks",
            "kind": "talks",
            "status": "held",
            "start": "2025-05",
            "parties": [india.pk, russia.pk],
            "participations-0-person": Person.objects.first().pk,
            "participations-0-role": "head of delegation",
            "citations-0-source": source.pk,
            "citations-0-excerpt": "Our discussions on this matter",
        },
        EngagementParticipant: {
            "engagement": Engagement.objects.get(slug="operation-sindoor").pk,
            "person": Person.objects.get(slug="indian-air-force").pk,
            "role": "operator",
        },
        EngagementCitation: {
            "engagement": uncited(Engagement, source),
            "source": source.pk,
            "excerpt": "jointly developed by India and Russia",
        },
        Agreement: {
            "slug": "new-agreement",
            "name": "New agreement",
            "kind": "mou",
            "status": "signed",
            "signed": "2025-05",
            "parties": [india.pk, russia.pk],
            "citations-0-source": source.pk,
            "citations-0-excerpt": "jointly developed by India and Russia",
        },
        AgreementCitation: {
            "agreement": uncited(Agreement, source),
            "source": source.pk,
            "excerpt": "jointly developed by India and Russia",
        },
    }


def uncited(model, source):
    """A record of `model` that `source` does not support yet, to cite it; once the add has made
    none (the loop adds one model after another), any record: only the model added needs one."""
    record = model.objects.exclude(sources=source).first() or model.objects.first()
    return record.pk


def first_words(text, count=4):
    return " ".join(text.split()[:count])


# For each model, a field an editor changes on its first record, and the new value.
CHANGES = {
    Party: lambda party: ("name", f"{party.name} (renamed)"),
    Source: lambda source: ("title", f"{source.title} (corrected)"),
    Person: lambda person: ("role", "Checked role"),
    Platform: lambda platform: ("description", "Checked description."),
    PlatformAlias: lambda alias: ("name", f"{alias.name} (alias)"),
    Deal: lambda deal: ("notes", "Checked notes."),
    # Fewer words of a word-for-word passage are still word for word.
    DealCitation: lambda citation: ("excerpt", first_words(citation.excerpt)),
    Delivery: lambda delivery: ("year", delivery.year + 1),
    Statement: lambda statement: ("date_note", "Checked date."),
    StandingBody: lambda body: ("notes", "Checked notes."),
    StandingBodyCitation: lambda citation: ("excerpt", first_words(citation.excerpt)),
    Engagement: lambda engagement: ("notes", "Checked notes."),
    EngagementParticipant: lambda participant: ("role", "checked role"),
    EngagementCitation: lambda citation: ("excerpt", first_words(citation.excerpt)),
    Agreement: lambda agreement: ("notes", "Checked notes."),
    AgreementCitation: lambda citation: ("excerpt", first_words(citation.excerpt)),
}


def doomed(model):
    """A new record of `model` that nothing depends on, so that deleting it cascades nowhere."""
    platform, person = Platform.objects.first(), Person.objects.first()
    source = Source.objects.first()
    if model is Party:
        return Party.objects.create(name="France", code="FR", iso3="FRA")
    if model is Source:
        return Source.objects.create(slug="doomed", title="Doomed", publisher="PTI", text="x")
    if model is Person:
        return Person.objects.create(slug="doomed", name="Doomed")
    if model is Platform:
        return Platform.objects.create(slug="doomed", name="Doomed", category=platform.category)
    if model is PlatformAlias:
        return PlatformAlias.objects.create(platform=platform, name="Doomed alias")
    if model is Deal:
        deal = Deal.objects.first()
        return Deal.objects.create(
            slug="doomed",
            title="Doomed",
            buyer=deal.buyer,
            seller=deal.seller,
            platform=deal.platform,
            stage=deal.stage,
        )
    if model is DealCitation:
        cited = Source.objects.create(slug="cited", title="Cited", publisher="PTI", text="x y")
        return DealCitation.objects.create(deal=Deal.objects.first(), source=cited, excerpt="x")
    if model is Delivery:
        return Delivery.objects.create(deal=Deal.objects.first(), year=1999)
    if model is Statement:
        return Statement.objects.create(
            slug="doomed", speaker=person, date="2025", kind="report", text="x", source=source
        )
    # The models added with engagements: a fresh slug each time, as roles that may not delete
    # leave the last one in place.
    slug = f"doomed-{model._meta.model_name}-{model.objects.count()}"
    if model is StandingBody:
        return StandingBody.objects.create(slug=slug, name="Doomed", kind="other")
    if model is Engagement:
        return Engagement.objects.create(
            slug=slug, title="Doomed", kind="other", status="held", start="2025"
        )
    if model is Agreement:
        return Agreement.objects.create(
            slug=slug, name="Doomed", kind="other", status="negotiating"
        )
    if model is EngagementParticipant:
        return EngagementParticipant.objects.create(engagement=doomed(Engagement), person=person)
    cited = Source.objects.create(slug=slug, title="Cited", publisher="PTI", text="x y")
    if model is StandingBodyCitation:
        return model.objects.create(body=doomed(StandingBody), source=cited, excerpt="x")
    if model is EngagementCitation:
        return model.objects.create(engagement=doomed(Engagement), source=cited, excerpt="x")
    if model is AgreementCitation:
        return model.objects.create(agreement=doomed(Agreement), source=cited, excerpt="x")
    raise AssertionError(model)


def admin_view(client, role, model, form_client):
    instance = model.objects.first()
    for url in [admin_url(model, "changelist"), admin_url(model, "change", instance.pk)]:
        response = client.get(url)
        if role not in MAY["view"]:
            assert_refused(role, response, url)
            continue
        assert response.status_code == 200, (role, url)
        if "/change/" in url:
            # Read-only for who may not change: no Save button.
            assert ('name="_save"' in response.content.decode()) == (role in MAY["change"])


def admin_add(client, role, model, form_client):
    url = admin_url(model, "add")
    data = {**submitted_as_shown(form_client.get(url)), **additions()[model]}
    before = database_snapshot(history=True)
    rows = model.objects.count()
    response = client.post(url, data)
    if role in MAY["add"]:
        assert response.status_code == 302, (role, model, response.content.decode()[:2000])
        assert model.objects.count() == rows + 1, (role, model)
    else:
        assert_refused(role, response, url)
        assert database_snapshot(history=True) == before, (role, model)


def admin_change(client, role, model, form_client):
    instance = model.objects.order_by("pk").first()
    field, value = CHANGES[model](instance)
    url = admin_url(model, "change", instance.pk)
    data = {**submitted_as_shown(form_client.get(url)), field: value}
    before = database_snapshot(history=True)
    response = client.post(url, data)
    instance.refresh_from_db()
    if role in MAY["change"]:
        assert response.status_code == 302, (role, model, response.content.decode()[:2000])
        assert getattr(instance, field) == value
    else:
        assert_refused(role, response, url)
        assert getattr(instance, field) != value
        assert database_snapshot(history=True) == before, (role, model)


def admin_delete(client, role, model, form_client):
    record = doomed(model)
    url = admin_url(model, "delete", record.pk)
    before = database_snapshot(history=True)
    response = client.post(url, {"post": "yes"})
    if role in MAY["delete"]:
        assert response.status_code == 302, (role, model)
        assert not model.objects.filter(pk=record.pk).exists(), (role, model)
    else:
        assert_refused(role, response, url)
        assert model.objects.filter(pk=record.pk).exists(), (role, model)
        assert database_snapshot(history=True) == before, (role, model)


ADMIN_ACTIONS = {
    "view": admin_view,
    "add": admin_add,
    "change": admin_change,
    "delete": admin_delete,
}


@pytest.mark.parametrize("action", ADMIN_ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_admin_action_on_every_model(role_client, role, action, form_client, india_russia):
    for model in MODELS:
        ADMIN_ACTIONS[action](role_client, role, model, form_client)


def test_the_models_checked_are_every_dashboard_model():
    assert set(MODELS) == set(record_models())


# --- The fixture upload ------------------------------------------------------------------------

FRANCE = [{"model": "dashboard.party", "fields": {"name": "France", "code": "FR", "iso3": "FRA"}}]


@pytest.mark.parametrize("role", ROLES)
def test_fixture_upload(role_client, role, india_russia):
    before = database_snapshot(history=True)
    page = role_client.get(UPLOAD_PAGE)
    checked = role_client.post(
        UPLOAD_PAGE, {"file": SimpleUploadedFile("france.json", json.dumps(FRANCE).encode())}
    )
    # The confirm names the file that was checked (its token and hash), as the page's form does;
    # who may not load sees no form, and sends the confirm alone.
    names = confirm_fields(checked.content.decode()) if role in MAY["load"] else {}
    loaded = role_client.post(UPLOAD_PAGE, {"confirm": "1", **names})
    if role in MAY["load"]:
        assert page.status_code == checked.status_code == loaded.status_code == 200
        assert "Dry run: 1 would be created" in checked.content.decode()
        assert "Loaded france.json" in loaded.content.decode()
        assert Party.objects.filter(code="FR").exists()
    else:
        for response in [page, checked, loaded]:
            assert_refused(role, response, UPLOAD_PAGE)
        assert database_snapshot(history=True) == before
    # The upload page's link on the admin's home page is shown to who may use it only.
    if role not in SENT_TO_ADMIN_LOGIN:
        index = role_client.get(reverse("admin:index")).content.decode()
        assert (f'href="{UPLOAD_PAGE}"' in index) == (role in MAY["load"])


def test_no_role_manages_users_nor_groups(client, django_user_model, db):
    for role in ["viewer", "editor", "maintainer"]:
        client.force_login(user_for(role, django_user_model))
        for url in [reverse("admin:auth_user_changelist"), reverse("admin:auth_group_add")]:
            assert client.get(url).status_code == 403, (role, url)
