"""Lost edits: two editors open the same deal; A saves, then B saves from the old form. B is
told what changed and by whom, nothing of A's is lost, and B's own changes wait in the form.
The API's writes make the same check, with If-Match and the ETag a read gave."""

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.authtoken.models import Token

from dashboard.models import Deal, Party, PlatformAlias
from tests.snapshot import database_snapshot
from tests.test_admin import admin_url, submitted_as_shown
from tests.test_loader import PROJECT_FIXTURE, load, write


@pytest.fixture
def loaded(db):
    """The project's data, loaded as load_fixtures loads it: every record has its history."""
    _, errors, failed = load(PROJECT_FIXTURE)
    assert not failed, errors


def editor(django_user_model, name):
    user = django_user_model.objects.create_user(name, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(user)
    return client


def test_the_second_editor_saving_an_old_form_is_told_and_nothing_is_lost(
    loaded, django_user_model
):
    deal = Deal.objects.get(slug="s-400-2018")
    assert deal.quantity == 5
    url = admin_url(Deal, "change", deal.pk)
    alice, bob = editor(django_user_model, "alice"), editor(django_user_model, "bob")
    alices_page, bobs_page = alice.get(url), bob.get(url)
    assert 'name="_edit_version"' in bobs_page.content.decode()

    saved = alice.post(url, {**submitted_as_shown(alices_page), "quantity": "7"})
    assert saved.status_code == 302
    bobs_form = {
        **submitted_as_shown(bobs_page),
        "_edit_version": bobs_page.context["edit_version"],
        "notes": "Bob's note.",
    }
    refused = bob.post(url, bobs_form)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Someone else saved this deal after you opened it (alice, " in html
    assert "quantity 5 → 7" in html
    assert "your changes are still here" in html
    assert "Bob&#x27;s note." in html  # his change waits in the form
    deal.refresh_from_db()
    assert deal.quantity == 7 and deal.notes != "Bob's note."

    # The form shown keeps Bob's note and takes Alice's quantity, which he left alone, and
    # names the new version: saving it again keeps both.
    assert 'name="quantity" value="7"' in html
    again = bob.post(
        url, submitted_as_shown(refused) | {"_edit_version": refused.context["edit_version"]}
    )
    assert again.status_code == 302
    deal.refresh_from_db()
    assert (deal.quantity, deal.notes) == (7, "Bob's note.")


def test_a_load_in_between_counts_as_a_change(loaded, django_user_model, tmp_path):
    deal = Deal.objects.get(slug="s-400-2018")
    url = admin_url(Deal, "change", deal.pk)
    bob = editor(django_user_model, "bob")
    page = bob.get(url)
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    for record in records:
        if record["fields"].get("slug") == "s-400-2018":
            record["fields"]["quantity"] = 6
    _, errors, failed = load(write(tmp_path, records))
    assert not failed, errors

    form = {**submitted_as_shown(page), "_edit_version": page.context["edit_version"]}
    html = bob.post(url, form).content.decode()
    assert "Someone else saved this deal after you opened it (a load or a script, " in html
    assert "quantity 5 → 6" in html
    assert Deal.objects.get(pk=deal.pk).quantity == 6


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def test_an_api_write_from_an_old_read_gets_412_with_what_changed(loaded, django_user_model):
    url = "/api/deals/s-400-2018/"
    alice = django_user_model.objects.create_user("alice", password="pw", is_staff=True)
    bob = django_user_model.objects.create_user("bob", password="pw", is_staff=True)
    for user in (alice, bob):
        user.groups.add(Group.objects.get(name="Editors"))
    alice_api, bob_api = api(alice), api(bob)
    alices_tag, bobs_tag = alice_api.get(url)["ETag"], bob_api.get(url)["ETag"]
    assert alices_tag == bobs_tag

    saved = alice_api.patch(
        url, {"quantity": 7}, content_type="application/json", HTTP_IF_MATCH=alices_tag
    )
    assert saved.status_code == 200, saved.content
    refused = bob_api.patch(
        url, {"notes": "Bob's note."}, content_type="application/json", HTTP_IF_MATCH=bobs_tag
    )
    assert refused.status_code == 412
    answer = refused.json()
    assert answer["by"] == "alice"
    assert {"field": "quantity", "then": "5", "now": "7"} in answer["changes"]
    deal = Deal.objects.get(slug="s-400-2018")
    assert deal.quantity == 7 and deal.notes != "Bob's note."

    fresh = bob_api.get(url)["ETag"]
    assert fresh != bobs_tag
    again = bob_api.patch(
        url, {"notes": "Bob's note."}, content_type="application/json", HTTP_IF_MATCH=fresh
    )
    assert again.status_code == 200
    deal.refresh_from_db()
    assert (deal.quantity, deal.notes) == (7, "Bob's note.")


# --- Every API write to a record names the version it started from -----------------------------


def written(method):
    """The record each kind of write changes, its address and the body sent."""
    if method == "patch":
        return Deal.objects.get(slug="s-400-2018"), "/api/deals/s-400-2018/", {"notes": "Bob's."}
    if method == "put":
        body = {"name": "Bharat", "code": "IN", "iso3": "IND"}
        return Party.objects.get(code="IN"), "/api/parties/IN/", body
    alias = PlatformAlias.objects.order_by("pk").first()
    return alias, f"/api/platform-aliases/{alias.pk}/", None


def send(client, method, url, body, **headers):
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, body, content_type="application/json", **headers)


@pytest.fixture
def bob_api(loaded, django_user_model):
    bob = django_user_model.objects.create_user("bob", password="pw", is_staff=True)
    bob.groups.add(Group.objects.get(name="Maintainers"))  # may delete, too
    return api(bob)


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_an_api_write_without_if_match_gets_428_and_changes_nothing(bob_api, method):
    _, url, body = written(method)
    before = database_snapshot(history=True)
    refused = send(bob_api, method, url, body)
    assert refused.status_code == 428
    assert "Send the record's ETag in an If-Match header" in refused.json()["detail"]
    assert send(bob_api, method, url, body, HTTP_IF_MATCH=" ").status_code == 428
    assert database_snapshot(history=True) == before


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_an_api_write_from_a_stale_read_gets_412_and_from_the_current_one_goes_through(
    bob_api, method
):
    record, url, body = written(method)
    stale = bob_api.get(url)["ETag"]
    record.save()  # someone else saves it in between
    before = database_snapshot(history=True)
    refused = send(bob_api, method, url, body, HTTP_IF_MATCH=stale)
    assert refused.status_code == 412
    assert "nothing was saved" in refused.json()["detail"]
    assert database_snapshot(history=True) == before

    current = bob_api.get(url)["ETag"]
    assert current != stale
    done = send(bob_api, method, url, body, HTTP_IF_MATCH=current)
    assert done.status_code == (204 if method == "delete" else 200), done.content
    assert database_snapshot(history=True) != before


def test_if_match_star_writes_over_whatever_version_is_there(bob_api):
    record, url, body = written("patch")
    record.save()
    done = send(bob_api, "patch", url, body, HTTP_IF_MATCH="*")
    assert done.status_code == 200
    assert Deal.objects.get(slug="s-400-2018").notes == "Bob's."


def test_a_create_needs_no_if_match(bob_api):
    created = bob_api.post(
        "/api/parties/", {"name": "France", "code": "FR", "iso3": "FRA"}, "application/json"
    )
    assert created.status_code == 201, created.content
