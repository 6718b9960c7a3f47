"""Signing in and out: the dashboard's sign-in page, the top bar, and the lock-out (django-axes)
after too many failed attempts, on the dashboard's and the admin's sign-in pages alike."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from tests.test_permissions import require_login
from tests.test_security import csp_problems, policy_of, python, strictness_problems

SIGN_IN_PAGES = {"dashboard": "/accounts/login/", "admin": "/admin/login/"}
WRONG = "not-the-password"
LOCKED = "Too many failed sign-in attempts"


@pytest.fixture
def editor(django_user_model):
    # Staff, so that the admin's sign-in page takes them too.
    return django_user_model.objects.create_user(
        "editor", password="right-password", is_staff=True
    )


def sign_in(client, page, username, password, **extra):
    return client.post(page, {"username": username, "password": password}, **extra)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


# --- Signing in and out ------------------------------------------------------------------------


def test_a_reader_signs_in_sees_who_they_are_and_signs_out(client, django_user_model):
    reader = django_user_model.objects.create_user("reader", password="right-password")
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    assert "Signed in as" not in client.get("/").content.decode()

    response = sign_in(client, reverse("login"), "reader", "right-password")
    assert response.status_code == 302 and response.url == reverse("dashboard:overview")
    assert signed_in_as(client) == str(reader.pk)
    html = client.get("/").content.decode()
    assert "Signed in as <strong>reader</strong>" in html
    assert f'action="{reverse("logout")}" method="post"' in html

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert signed_in_as(client) is None
    assert "Signed in as" not in client.get("/").content.decode()


def test_a_wrong_password_is_a_form_error(client, db, editor):
    response = sign_in(client, reverse("login"), "editor", WRONG)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert signed_in_as(client) is None


def test_with_login_required_signing_in_returns_to_the_page_asked_for(client, settings, editor):
    require_login(settings)
    asked = client.get("/deals/?stage=signed")
    assert asked.status_code == 302
    response = client.post(
        asked.url, {"username": "editor", "password": "right-password", "next": "/deals/"}
    )
    assert response.status_code == 302 and response.url == "/deals/"
    assert client.get("/deals/").status_code == 200


# --- The lock-out ------------------------------------------------------------------------------


@pytest.mark.parametrize("where", SIGN_IN_PAGES)
def test_five_failures_lock_the_username_from_that_address(client, django_user_model, where):
    page = SIGN_IN_PAGES[where]
    django_user_model.objects.create_user("editor", password="right-password", is_staff=True)
    django_user_model.objects.create_user("colleague", password="right-password", is_staff=True)

    for _ in range(4):
        response = sign_in(client, page, "editor", WRONG)
        assert response.status_code == 200
        assert "correct username and password" in response.content.decode()
    fifth = sign_in(client, page, "editor", WRONG)
    assert fifth.status_code == 429

    # Locked now, even with the right password.
    sixth = sign_in(client, page, "editor", "right-password")
    assert sixth.status_code == 429
    html = sixth.content.decode()
    assert LOCKED in html
    assert "Try again in 15 minutes." in html
    assert "“editor”" in html
    assert signed_in_as(client) is None
    # A page of the site, under its strict policy.
    assert strictness_problems(policy_of(sixth)) == []
    assert csp_problems(html) == []

    # Another username from the same address is not locked...
    assert sign_in(client, page, "colleague", "right-password").status_code == 302
    client.logout()
    # ...nor is the same username from another address.
    response = sign_in(client, page, "editor", "right-password", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302


def test_the_lock_ends_after_the_cool_off(client, editor):
    for _ in range(5):
        sign_in(client, reverse("login"), "editor", WRONG)
    assert sign_in(client, reverse("login"), "editor", "right-password").status_code == 429

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert sign_in(client, reverse("login"), "editor", "right-password").status_code == 302


def test_an_administrator_lifts_the_lock_with_axes_reset_username(client, editor):
    for _ in range(5):
        sign_in(client, reverse("admin:login"), "editor", WRONG)
    assert sign_in(client, reverse("admin:login"), "editor", "right-password").status_code == 429

    call_command("axes_reset_username", "editor", verbosity=0)
    assert sign_in(client, reverse("admin:login"), "editor", "right-password").status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(client, editor):
    for _ in range(4):
        sign_in(client, reverse("login"), "editor", WRONG)
    assert sign_in(client, reverse("login"), "editor", "right-password").status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, reverse("login"), "editor", WRONG).status_code == 200
    assert sign_in(client, reverse("login"), "editor", "right-password").status_code == 302


def test_the_limits_come_from_the_environment():
    code = (
        "from django.conf import settings\n"
        "print(json.dumps([settings.AXES_FAILURE_LIMIT,"
        " settings.AXES_COOLOFF_TIME.total_seconds(), settings.AXES_LOCKOUT_PARAMETERS]))"
    )
    process = python(code)
    assert process.returncode == 0, process.stderr
    assert json.loads(process.stdout) == [5, 15 * 60, [["username", "ip_address"]]]

    process = python(code, DJANGO_AXES_FAILURE_LIMIT="3", DJANGO_AXES_COOLOFF_MINUTES="60")
    assert process.returncode == 0, process.stderr
    assert json.loads(process.stdout)[:2] == [3, 60 * 60]

    process = python(code, DJANGO_AXES_COOLOFF_MINUTES="0")
    assert process.returncode != 0
    assert "must be at least 1" in process.stderr
