"""One session of each number per standing body: the model, the loader, the admin and the API
all refuse a second "5th Meeting" of the same body, with the same message."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from dashboard.models import SESSION_TAKEN, Engagement, Party, StandingBody
from tests.snapshot import database_snapshot
from tests.test_admin import admin_url, error_text, save_through_admin
from tests.test_api_writes import api_client, user_for

GROUP = "irigc-m-mtc-working-group-military-cooperation"  # its 5th Meeting is in the fixture


def session(slug, number, body=GROUP):
    """A fixture record of a session of `body`."""
    return {
        "model": "dashboard.engagement",
        "fields": {
            "slug": slug,
            "title": f"Meeting {number}",
            "kind": "session",
            "status": "held",
            "start": "2025",
            "parties": [["IN"], ["RU"]],
            "body": [body] if body else None,
            "session_number": number,
        },
    }


def dry_run(tmp_path, records):
    """load_fixtures --dry-run on the records: its error output ("" when they pass)."""
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    err = StringIO()
    try:
        call_command("load_fixtures", str(path), "--dry-run", stdout=StringIO(), stderr=err)
    except CommandError:
        assert err.getvalue()
    return err.getvalue()


def test_the_model_refuses_a_second_session_with_the_same_number(india_russia):
    group = StandingBody.objects.get(slug=GROUP)
    second = Engagement(
        slug="another-5th",
        title="Another 5th Meeting",
        kind="session",
        status="held",
        start="2025",
        body=group,
        session_number=5,
    )
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert error.value.messages == [SESSION_TAKEN]
    second.session_number = 6
    second.full_clean()
    commission = StandingBody.objects.get(slug="irigc-m-mtc")
    second.body, second.session_number = commission, 5  # another body's 5th is its own
    second.full_clean()


def test_the_loader_refuses_a_number_the_database_holds(india_russia, tmp_path):
    errors = dry_run(tmp_path, [session("another-5th", 5)])
    assert "sessions.json" in errors
    assert "dashboard.engagement another-5th" in errors
    assert SESSION_TAKEN in errors
    assert f"{GROUP}-5 in the database" in errors


def test_the_loader_refuses_two_in_one_batch_and_names_both(india_russia, tmp_path):
    errors = dry_run(tmp_path, [session("sixth-a", 6), session("sixth-b", 6)])
    assert "dashboard.engagement sixth-b" in errors
    assert f"{SESSION_TAKEN} (record 1)" in errors
    assert "sixth-a" not in errors.split("dashboard.engagement sixth-b")[0]


def test_the_loader_accepts_new_numbers_and_sessions_without_one(india_russia, tmp_path):
    records = [session("sixth", 6), session("unnumbered-a", None), session("unnumbered-b", None)]
    assert dry_run(tmp_path, records) == ""
    path = tmp_path / "sessions.json"
    call_command("load_fixtures", str(path), stdout=StringIO(), stderr=StringIO())
    numbers = Engagement.objects.filter(body__slug=GROUP).values_list("session_number", flat=True)
    assert sorted(numbers, key=lambda n: n or 0) == [None, None, 5, 6]
    # Loading the same file again is no clash with itself.
    assert dry_run(tmp_path, records) == ""


def test_the_admin_shows_the_message_and_saves_nothing(staff_client, india_russia):
    group = StandingBody.objects.get(slug=GROUP)
    before = Engagement.objects.count()
    response = save_through_admin(
        staff_client,
        admin_url(Engagement, "add"),
        slug="another-5th",
        title="Another 5th Meeting",
        kind="session",
        status="held",
        start="2025",
        parties=[Party.objects.get(code="IN").pk],
        body=group.pk,
        session_number="5",
    )
    assert response.status_code == 200
    assert SESSION_TAKEN in error_text(response)
    assert Engagement.objects.count() == before


def test_the_api_gives_a_400_with_the_message(india_russia, django_user_model):
    client = api_client(user_for("editor", django_user_model))
    before = database_snapshot(history=True)
    body = {
        "slug": "another-5th",
        "title": "Another 5th Meeting",
        "kind": "session",
        "status": "held",
        "start": "2025",
        "parties": ["IN", "RU"],
        "body": GROUP,
        "session_number": 5,
    }
    response = client.post("/api/engagements/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:500]
    assert response.json()["non_field_errors"] == [SESSION_TAKEN]
    assert database_snapshot(history=True) == before
    response = client.post(
        "/api/engagements/", body | {"session_number": 6}, content_type="application/json"
    )
    assert response.status_code == 201, response.content[:500]
