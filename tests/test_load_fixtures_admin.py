"""The admin's "Load fixtures" page: upload, dry run, confirm; bad files refused; staff only."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dashboard.admin_loading import upload_dir
from dashboard.models import Deal, Party, Statement

PAGE = "/admin/dashboard/load-fixtures/"
PROJECT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "india_russia.json"


def upload(client, content: bytes, name: str = "india_russia.json"):
    return client.post(PAGE, {"file": SimpleUploadedFile(name, content)})


def kept_uploads() -> list[Path]:
    return list(upload_dir().iterdir())


def test_the_page_is_reached_from_the_admin_index(staff_client):
    assert reverse("admin-load-fixtures") == PAGE
    index = staff_client.get(reverse("admin:index")).content.decode()
    assert f'href="{PAGE}"' in index
    page = staff_client.get(PAGE)
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()


def test_a_good_file_is_checked_then_loaded_on_confirmation(staff_client):
    before = set(kept_uploads())
    checked = upload(staff_client, PROJECT_FIXTURE.read_bytes())
    assert checked.status_code == 200
    html = checked.content.decode()
    assert "Dry run of india_russia.json" in html
    assert '<th scope="row">dashboard.statement</th><td>16</td><td>0</td><td>0</td>' in html
    assert "Dry run: 86 would be created, 0 updated; nothing was written." in html
    assert "dashboard.deal s-400-2018: created" in html
    assert 'name="confirm"' in html
    assert not Party.objects.exists()
    assert len(set(kept_uploads()) - before) == 1

    loaded = staff_client.post(PAGE, {"confirm": "1"})
    assert loaded.status_code == 200
    html = loaded.content.decode()
    assert "Loaded india_russia.json" in html
    assert '<p id="fixture-summary">86 created, 0 updated.</p>' in html
    assert 'name="confirm"' not in html
    assert Deal.objects.count() == 11 and Statement.objects.count() == 16
    assert set(kept_uploads()) == before

    again = upload(staff_client, PROJECT_FIXTURE.read_bytes())
    assert "Nothing would change." in again.content.decode()
    assert 'name="confirm"' not in again.content.decode()


def test_a_bad_file_shows_every_error_and_writes_nothing(staff_client):
    records = json.loads(PROJECT_FIXTURE.read_text(encoding="utf-8"))
    deal = next(r for r in records if r["fields"].get("slug") == "s-400-2018")
    deal["fields"].update(value_currency="XYZ", quantity_delivered=9)
    before = set(kept_uploads())
    response = upload(staff_client, json.dumps(records).encode(), name="bad.json")
    assert response.status_code == 200
    html = response.content.decode()
    assert "bad.json: 2 problems found; nothing was written." in html
    assert (
        "<li>bad.json:record 28 (dashboard.deal s-400-2018) value_currency: "
        "“XYZ” is not an ISO 4217 code.</li>"
    ) in html
    assert (
        "<li>bad.json:record 28 (dashboard.deal s-400-2018) -: "
        "The quantity delivered cannot exceed the quantity.</li>"
    ) in html
    assert 'name="confirm"' not in html
    assert set(kept_uploads()) == before
    assert staff_client.post(PAGE, {"confirm": "1"}).status_code == 302
    assert not Party.objects.exists()


def test_a_file_of_another_kind_is_refused(staff_client):
    response = upload(staff_client, b"[]", name="notes.txt")
    assert "Upload a .json, .jsonl, .yaml or .yml" in response.content.decode()


def test_a_file_over_the_limit_points_to_the_command(staff_client, settings):
    settings.FIXTURE_UPLOAD_MAX_BYTES = 1024
    response = upload(staff_client, b"[" + b" " * 3070 + b"]")
    html = response.content.decode()
    assert "This file is 3 KB; this page takes files up to 1 KB." in html
    assert "python manage.py load_fixtures PATH" in html
    assert 'name="confirm"' not in html
    assert not Party.objects.exists()


def test_confirming_without_a_checked_file_loads_nothing(staff_client):
    response = staff_client.post(PAGE, {"confirm": "1"}, follow=True)
    assert "There is no checked file to load: upload it again." in response.content.decode()
    assert not Party.objects.exists()


@pytest.mark.parametrize("perms", ["none", "view only", "add and change but one"])
def test_staff_without_add_and_change_permission_are_refused(client, django_user_model, perms):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    granted = Permission.objects.filter(content_type__app_label="dashboard")
    if perms == "view only":
        user.user_permissions.set(granted.filter(codename__startswith="view_"))
    elif perms == "add and change but one":
        user.user_permissions.set(
            granted.exclude(codename__startswith="view_")
            .exclude(codename__startswith="delete_")
            .exclude(codename="change_statement")
        )
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
    assert upload(client, PROJECT_FIXTURE.read_bytes()).status_code == 403
    assert not Party.objects.exists()


def test_staff_with_add_and_change_permission_may_load(client, django_user_model):
    user = django_user_model.objects.create_user("editor2", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="dashboard", codename__regex=r"^(add|change)_"
        )
    )
    client.force_login(user)
    assert client.get(PAGE).status_code == 200


def test_users_who_are_not_staff_are_sent_to_login(client, django_user_model):
    assert client.get(PAGE).url.startswith(reverse("admin:login"))
    client.force_login(django_user_model.objects.create_user("reader", password="pw"))
    assert client.get(PAGE).url.startswith(reverse("admin:login"))
