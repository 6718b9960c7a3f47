"""Each year of delivery's stored share of its deal's delivered TIV (`Delivery.tiv`): every path
that changes a deal's delivered TIV or its years of delivery changes the shares with it, and a
share is always the TIV spread over ALL the deal's years (the transfers figures sum them)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from dashboard.cache import data_version
from dashboard.models import Deal, Delivery
from dashboard.selectors import transfer_totals
from tests.test_admin import admin_url, form_values, save_through_admin, submitted_as_shown
from tests.test_register import SAMPLE, newer_export, run, sample_text, written

S400 = "s-400-2018"


def shares(slug=S400):
    """The deal's years of delivery with their shares, as the transfers figures read them."""
    rows = Delivery.objects.filter(deal__slug=slug).order_by("year")
    return [
        (year, None if tiv is None else round(tiv, 3))
        for year, tiv in rows.values_list("year", "tiv")
    ]


def by_year(slug=S400):
    rows = transfer_totals(deliveries=Delivery.objects.filter(deal__slug=slug), group="year")
    return {row["code"]: row["tiv"] for row in rows}


def dumped(label):
    out = StringIO()
    call_command("dumpdata", label, "--natural-primary", "--natural-foreign", stdout=out)
    return json.loads(out.getvalue())


def load(tmp_path, records):
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records))
    out = StringIO()
    call_command("load_fixtures", str(path), "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_the_register_fixture_spreads_the_s400_over_its_three_years(register):
    assert shares() == [(2021, 240.0), (2022, 240.0), (2023, 240.0)]
    # A year filter picks years; it does not spread the TIV again over the years picked.
    picked = Delivery.objects.filter(deal__slug=S400, year__gte=2022)
    assert transfer_totals(deliveries=picked, group="supplier")[0]["tiv"] == 480.0


def test_a_load_spreads_the_tiv_and_follows_a_new_tiv_and_new_years(india_russia, tmp_path):
    deal = next(r for r in dumped("dashboard.deal") if r["fields"]["slug"] == S400)
    deal["fields"]["tiv_delivered"] = "720.000"
    years = [
        {"model": "dashboard.delivery", "fields": {"deal": [S400], "year": year}}
        for year in (2022, 2023)
    ]
    load(tmp_path, [deal, *years])
    assert shares() == [(2021, 240.0), (2022, 240.0), (2023, 240.0)]

    # The same records again change nothing; nor do the years as dumpdata writes them, with
    # their shares (worked out, never read from a file).
    assert not load(tmp_path, [deal, *years])["changed"]
    written_out = [r for r in dumped("dashboard.delivery") if r["fields"]["deal"] == [S400]]
    assert written_out[0]["fields"]["tiv"] == 240.0
    for record in written_out:
        record["fields"]["tiv"] = 1.0
    assert not load(tmp_path, written_out)["changed"]
    assert shares() == [(2021, 240.0), (2022, 240.0), (2023, 240.0)]

    deal["fields"]["tiv_delivered"] = "360.000"
    load(tmp_path, [deal])
    assert by_year() == {2021: 120.0, 2022: 120.0, 2023: 120.0}

    load(tmp_path, [{"model": "dashboard.delivery", "fields": {"deal": [S400], "year": 2024}}])
    assert by_year() == {2021: 90.0, 2022: 90.0, 2023: 90.0, 2024: 90.0}


def test_an_import_follows_a_changed_tiv_and_a_dropped_year(db, tmp_path):
    run(SAMPLE)
    gowind = "sipri-ci-fr-2015-gowind"
    tiv = float(Deal.objects.get(slug=gowind).tiv_delivered)
    assert shares(gowind) == [(2019, round(tiv / 2, 3)), (2020, round(tiv / 2, 3))]
    text = newer_export(sample_text()).replace(
        "Gowind,corvette,4,,2019; 2020,New", "Gowind,corvette,4,,2020,New"
    )
    text = text.replace(
        "T-72M1,tank,20,,2011,Second hand,,2,40,40",
        "T-72M1,tank,20,,2011; 2012,Second hand,,2,40,44",
    )
    run(written(tmp_path, text))
    assert shares(gowind) == [(2020, tiv)]
    assert shares("sipri-cd-ua-2010-t-72m1") == [(2011, 22.0), (2012, 22.0)]


def test_loaddata_then_convert_values_gives_the_shares(register, tmp_path):
    records = [r for r in dumped("dashboard.delivery") if r["fields"]["deal"] == [S400]]
    for record in records:
        del record["fields"]["tiv"]
    Delivery.objects.filter(deal__slug=S400).delete()
    path = tmp_path / "deliveries.json"
    path.write_text(json.dumps(records))
    call_command("loaddata", str(path), verbosity=0)
    assert shares() == [(2021, None), (2022, None), (2023, None)]  # loaddata stores rows only
    call_command("convert_values", stdout=StringIO())
    assert shares() == [(2021, 240.0), (2022, 240.0), (2023, 240.0)]


def convert_values() -> str:
    out = StringIO()
    call_command("convert_values", stdout=out)
    return out.getvalue()


def test_convert_values_drops_the_cached_pages_only_when_it_changed_something(india_russia):
    convert_values()
    version = data_version()
    assert convert_values() == "Nothing changed.\n"
    assert data_version() == version  # the pages cached stay

    # Written as loaddata writes, with no signal: a delivered TIV (to share), a value with
    # no value in dollars.
    Deal.objects.filter(slug=S400).update(tiv_delivered=720)
    assert "1 year(s) of delivery given their share" in convert_values()
    assert shares() == [(2021, 720.0)]
    assert data_version() != version
    version = data_version()
    Deal.objects.filter(slug=S400).update(value_usd_constant=None)
    assert convert_values().startswith("1 deal(s) changed;")
    assert data_version() != version
    assert convert_values() == "Nothing changed.\n"


# --- the admin -------------------------------------------------------------------------------


def test_the_admin_deal_form_follows_its_tiv_and_its_years(staff_client, register):
    deal = Deal.objects.get(slug=S400)
    url = admin_url(Deal, "change", deal.pk)
    assert save_through_admin(staff_client, url, tiv_delivered="360").status_code == 302
    assert shares() == [(2021, 120.0), (2022, 120.0), (2023, 120.0)]

    # The years' inline: the first year deleted, a year added.
    page = staff_client.get(url)
    years = next(
        i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is Delivery
    )
    data = submitted_as_shown(page)
    data[f"{years.prefix}-0-DELETE"] = "on"
    data[f"{years.prefix}-TOTAL_FORMS"] = str(len(years.forms) + 1)
    data[f"{years.prefix}-{len(years.forms)}-year"] = "2024"
    data[f"{years.prefix}-{len(years.forms)}-deal"] = str(deal.pk)
    assert staff_client.post(url, data).status_code == 302
    assert shares() == [(2022, 120.0), (2023, 120.0), (2024, 120.0)]


def test_reverting_a_deals_tiv_from_its_history_reverts_the_shares(staff_client, register):
    deal = Deal.objects.get(slug=S400)
    before = deal.history.first()  # the TIV of 720
    save_through_admin(staff_client, admin_url(Deal, "change", deal.pk), tiv_delivered="90")
    assert shares() == [(2021, 30.0), (2022, 30.0), (2023, 30.0)]
    url = f"/admin/dashboard/deal/{deal.pk}/history/{before.history_id}/"
    page = staff_client.get(url)
    assert staff_client.post(url, form_values(page.context["adminform"].form)).status_code == 302
    assert shares() == [(2021, 240.0), (2022, 240.0), (2023, 240.0)]


def test_the_admin_years_of_delivery_follow_adds_moves_and_deletes(staff_client, register):
    deal = Deal.objects.get(slug=S400)
    add = staff_client.get(admin_url(Delivery, "add"))
    data = {**submitted_as_shown(add), "deal": str(deal.pk), "year": "2024"}
    assert staff_client.post(admin_url(Delivery, "add"), data).status_code == 302
    assert shares() == [(2021, 180.0), (2022, 180.0), (2023, 180.0), (2024, 180.0)]

    # A year moved to the Hezbollah deal (TIV 10 in 2006): both deals' shares follow.
    moved = Delivery.objects.get(deal=deal, year=2024)
    response = save_through_admin(
        staff_client,
        admin_url(Delivery, "change", moved.pk),
        deal=str(Deal.objects.get(slug="fajr-5-hezbollah-2006").pk),
        change_reason="Wrong deal",
    )
    assert response.status_code == 302
    assert shares() == [(2021, 240.0), (2022, 240.0), (2023, 240.0)]
    assert shares("fajr-5-hezbollah-2006") == [(2006, 5.0), (2024, 5.0)]
    version = moved.history.first()  # who moved it and why, as for every record
    assert (version.history_type, version.history_user.username) == ("~", "editor")
    assert version.history_change_reason == "Wrong deal"

    one = Delivery.objects.get(deal=deal, year=2021)
    delete = staff_client.post(admin_url(Delivery, "delete", one.pk), {"post": "yes"})
    assert delete.status_code == 302
    assert shares() == [(2022, 360.0), (2023, 360.0)]
    version = one.history.first()
    assert (version.history_type, version.history_user.username) == ("-", "editor")

    # Several at once, from the list's action: the last year left takes the whole TIV.
    two = Delivery.objects.get(deal=deal, year=2022)
    action = {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"}
    assert staff_client.post(admin_url(Delivery, "changelist"), action).status_code == 302
    assert shares() == [(2023, 720.0)]


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def api(register, django_user_model):
    user = django_user_model.objects.create_superuser("script", "script@example.org", "pw")
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def read_tag(client, url) -> str:
    """The ETag a read gives: a change or a delete names it in If-Match."""
    return client.get(url)["ETag"]


def test_the_api_follows_a_deals_tiv(api):
    url = f"/api/deals/{S400}/"
    response = api.patch(
        url,
        {"tiv_delivered": "360"},
        content_type="application/json",
        HTTP_IF_MATCH=read_tag(api, url),
    )
    assert response.status_code == 200, response.content
    assert shares() == [(2021, 120.0), (2022, 120.0), (2023, 120.0)]


def test_the_api_years_of_delivery_follow_adds_moves_and_deletes(api):
    # The share is read-only: one given is not taken.
    response = api.post(
        "/api/deliveries/", {"deal": S400, "year": 2024, "tiv": 1}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["tiv"] == 180.0
    assert shares() == [(2021, 180.0), (2022, 180.0), (2023, 180.0), (2024, 180.0)]

    url = f"/api/deliveries/{response.json()['id']}/"
    moved = api.patch(
        url,
        {"deal": "fajr-5-hezbollah-2006"},
        content_type="application/json",
        HTTP_IF_MATCH=read_tag(api, url),
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["tiv"] == 5.0  # its share in the deal it moved to
    assert shares() == [(2021, 240.0), (2022, 240.0), (2023, 240.0)]
    assert shares("fajr-5-hezbollah-2006") == [(2006, 5.0), (2024, 5.0)]

    first = Delivery.objects.get(deal__slug=S400, year=2021)
    url = f"/api/deliveries/{first.pk}/"
    assert api.delete(url, HTTP_IF_MATCH=read_tag(api, url)).status_code == 204
    assert shares() == [(2022, 360.0), (2023, 360.0)]
