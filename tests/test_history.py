"""History: every change, through the admin or the loader, is recorded with who, when, what and
why; the admin lists the versions and reverts to one; record pages say when they last changed;
a source that records rest on cannot be deleted."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from dashboard.loading import fixture_load
from dashboard.loading.schema import WRITE_ORDER
from dashboard.models import Deal, DealCitation, Source, Statement
from tests.test_admin import admin_url, form_values, save_through_admin
from tests.test_load_fixtures_admin import confirm_fields
from tests.test_loader import batch, write

IANS = "ians-alipov-interview-2025-05"
S400 = "s-400-2018"
UPLOAD_PAGE = "/admin/dashboard/load-fixtures/"


def history_counts():
    return {model: model.history.count() for model in WRITE_ORDER}


@pytest.fixture
def editor(staff_client, django_user_model):
    return django_user_model.objects.get(username="editor")


@pytest.fixture
def india_russia(india_russia):
    """The data set with a first version of each record. loaddata saves "raw", which records no
    history; `populate_history --auto` records what is there (README, "History")."""
    call_command("populate_history", auto=True, verbosity=0)


# --- The admin ---------------------------------------------------------------------------------


def test_an_admin_change_records_who_when_what_and_why(staff_client, editor, india_russia):
    deal = Deal.objects.get(slug=S400)
    before = timezone.now()
    response = save_through_admin(
        staff_client,
        admin_url(Deal, "change", deal.pk),
        notes="Deliveries confirmed.",
        change_reason="Ministry statement of May 2025",
    )
    assert response.status_code == 302

    latest, previous = deal.history.all()[:2]
    assert latest.history_type == "~"
    assert latest.history_user == editor
    assert latest.history_date >= before
    assert latest.history_change_reason == "Ministry statement of May 2025"
    assert latest.diff_against(previous).changed_fields == ["notes"]
    assert latest.notes == "Deliveries confirmed."


def test_the_reason_is_optional(staff_client, editor, india_russia):
    deal = Deal.objects.get(slug=S400)
    url = admin_url(Deal, "change", deal.pk)
    assert "Reason for this change" in staff_client.get(url).content.decode()
    assert save_through_admin(staff_client, url, notes="No reason.").status_code == 302
    latest = deal.history.first()
    assert latest.history_user == editor
    assert latest.history_change_reason is None


def test_an_admin_delete_records_a_deletion(staff_client, editor, india_russia):
    statement = Statement.objects.first()
    response = staff_client.post(admin_url(Statement, "delete", statement.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Statement.objects.filter(pk=statement.pk).exists()
    deletion = Statement.history.filter(id=statement.pk).first()
    assert deletion.history_type == "-"
    assert deletion.history_user == editor
    assert deletion.slug == statement.slug


def test_the_history_page_lists_every_version(staff_client, india_russia):
    deal = Deal.objects.get(slug=S400)
    url = admin_url(Deal, "change", deal.pk)
    save_through_admin(staff_client, url, notes="First edit.", change_reason="Reason one")
    save_through_admin(staff_client, url, notes="Second edit.", change_reason="Reason two")

    page = staff_client.get(admin_url(Deal, "history", deal.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reason one" in html and "Reason two" in html
    versions = list(deal.history.all())
    assert len(versions) == 3  # loaded, then two edits
    for version in versions:
        revert_url = reverse(
            "admin:dashboard_deal_simple_history", args=[deal.pk, version.history_id]
        )
        assert revert_url in html


def test_reverting_through_the_admin_restores_the_earlier_version(
    staff_client, editor, india_russia
):
    deal = Deal.objects.get(slug=S400)
    original_notes = deal.notes
    save_through_admin(staff_client, admin_url(Deal, "change", deal.pk), notes="A mistaken edit.")
    assert Deal.objects.get(pk=deal.pk).notes == "A mistaken edit."

    first = deal.history.earliest()
    url = reverse("admin:dashboard_deal_simple_history", args=[deal.pk, first.history_id])
    page = staff_client.get(url)
    assert page.status_code == 200
    data = {**form_values(page.context["adminform"].form), "change_reason": "Undo the mistake"}
    assert staff_client.post(url, data).status_code == 302

    assert Deal.objects.get(pk=deal.pk).notes == original_notes
    latest = deal.history.first()
    assert (latest.history_type, latest.history_user) == ("~", editor)
    assert latest.history_change_reason == "Undo the mistake"


def test_a_viewer_may_read_the_history_but_not_revert(client, django_user_model, india_russia):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.groups.add(Group.objects.get(name="Viewers"))
    client.force_login(viewer)
    deal = Deal.objects.get(slug=S400)
    first = deal.history.earliest()
    url = reverse("admin:dashboard_deal_simple_history", args=[deal.pk, first.history_id])

    assert client.get(admin_url(Deal, "history", deal.pk)).status_code == 200
    assert client.get(url).status_code == 200
    data = {**form_values(client.get(url).context["adminform"].form), "notes": "Hijacked."}
    assert client.post(url, data).status_code == 403
    assert Deal.objects.get(pk=deal.pk).notes == deal.notes
    assert deal.history.count() == 1


def test_a_malformed_version_is_not_found(client, django_user_model, india_russia):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.groups.add(Group.objects.get(name="Viewers"))
    client.force_login(viewer)
    deal = Deal.objects.get(slug=S400)
    history = admin_url(Deal, "history", deal.pk)
    for version in ["abc", "1.5", "%20"]:
        assert client.get(f"{history}{version}/").status_code == 404, version


# --- The loader --------------------------------------------------------------------------------


def test_a_load_records_one_history_row_per_created_or_changed_record(db, tmp_path):
    records = batch()
    path = write(tmp_path, records, "deals.json")
    result = fixture_load(paths=[path])
    assert result.ok
    created = {model: model.objects.count() for model in WRITE_ORDER}
    assert sum(created.values()) == len(records)
    assert history_counts() == created
    for model in WRITE_ORDER:
        for row in model.history.all():
            assert row.history_type == "+"
            assert row.history_change_reason == f"load_fixtures {path}"
            assert row.history_user is None  # from the command: nobody signed in
            assert row.instance.pk == row.id

    # The same file again changes nothing and records nothing.
    assert fixture_load(paths=[path]).ok
    assert history_counts() == created

    # One field changed, and one record's links only: one row each, nothing for the rest.
    deal = next(r for r in records if r["model"] == "dashboard.deal")
    deal["fields"]["quantity"] = 30
    statement = next(r for r in records if r["model"] == "dashboard.statement")
    statement["fields"]["deals"] = []
    assert fixture_load(paths=[write(tmp_path, records, "deals.json")]).ok
    after = history_counts()
    assert after[Deal] == created[Deal] + 1
    assert after[Statement] == created[Statement] + 1
    assert {m: n for m, n in after.items() if m not in (Deal, Statement)} == {
        m: n for m, n in created.items() if m not in (Deal, Statement)
    }
    latest = Deal.history.first()
    assert (latest.history_type, latest.quantity, latest.slug) == ("~", 30, "rafale-de-2025")
    assert latest.diff_against(Deal.history.all()[1]).changed_fields == ["quantity"]


def test_a_dry_run_records_nothing(db, tmp_path):
    assert fixture_load(paths=[write(tmp_path, batch())], dry_run=True).ok
    assert sum(history_counts().values()) == 0


def test_a_load_through_the_admin_records_the_user(staff_client, editor, db):
    content = json.dumps(batch()).encode()
    checked = staff_client.post(
        UPLOAD_PAGE, {"file": SimpleUploadedFile("new-deals.json", content)}
    )
    assert checked.status_code == 200
    confirm = {"confirm": "1", **confirm_fields(checked.content.decode())}
    assert staff_client.post(UPLOAD_PAGE, confirm).status_code == 200
    rows = list(Deal.history.all())
    assert len(rows) == 1
    assert rows[0].history_user == editor
    assert rows[0].history_change_reason == "load_fixtures new-deals.json"


# --- Record pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/deals/{S400}/",
        f"/sources/{IANS}/",
        "/platforms/s-400-triumf/",
        "/people/denis-alipov/",
        "/parties/IN/",
    ],
)
def test_a_record_page_says_when_it_was_last_changed(client, url, india_russia):
    html = client.get(url).content.decode()
    today = timezone.now().date()
    assert "Last changed on <time datetime=" in html
    assert f"{today.day} {today:%B %Y}" in html


def test_the_statement_page_shows_its_last_change(client, india_russia):
    statement = Statement.objects.first()
    Statement.history.filter(id=statement.pk).update(
        history_date=datetime.datetime(2025, 5, 7, 12, tzinfo=datetime.UTC)
    )
    html = client.get(statement.get_absolute_url()).content.decode()
    assert 'Last changed on <time datetime="2025-05-07T12:00:00+00:00">7 May 2025</time>' in html


# --- Sources that records rest on --------------------------------------------------------------


def test_a_cited_source_cannot_be_deleted(staff_client, india_russia):
    source = Source.objects.get(slug=IANS)
    citing = [str(c) for c in DealCitation.objects.filter(source=source)]
    stating = [str(s) for s in Statement.objects.filter(source=source)]
    assert citing or stating

    with pytest.raises(ProtectedError):
        source.delete()

    url = admin_url(Source, "delete", source.pk)
    page = staff_client.get(url)
    html = page.content.decode()
    assert "would require deleting the following protected related objects" in html
    for label in citing + stating:
        assert escape(label) in html
    response = staff_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Source.objects.filter(pk=source.pk).exists()
    assert not Source.history.filter(id=source.pk, history_type="-").exists()
