"""What a list page offers beside its rows: clean addresses, chips of the filters set, facet
counts, undated records, the default and natural sort, page sizes, the column chooser, and
thousands separators (the rows themselves: test_views.py)."""

import csv
import html as html_module
import io
import re

import pytest

from dashboard.models import Deal, Party, Platform
from tests.test_views import page, table_rows


def cells(row):
    return [
        html_module.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def headers(html):
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


def chips(html):
    """(text, address) of each chip above the table."""
    found = re.findall(r'<a class="chip" href="([^"]*)"[^>]*>(.*?)</a>', html, re.S)
    return [
        (
            html_module.unescape(re.sub(r"<[^>]+>|×|\(remove\)", "", text)).split(),
            html_module.unescape(url),
        )
        for url, text in found
    ]


def option_label(html, name, value):
    """The label of the option (or checkbox) `value` of the form's field `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if select:
        match = re.search(rf'<option value="{re.escape(value)}"[^>]*>([^<]*)</option>', select[1])
    else:
        match = re.search(
            rf'<input type="checkbox" name="{name}" value="{re.escape(value)}"[^>]*>'
            r"\s*([^<]*)</label>",
            html,
        )
    assert match, (name, value)
    return html_module.unescape(match[1]).strip()


# --- Clean addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "clean"),
    [
        ("/deals/?year_min=&year_max=&q=&buyer=IN&counterpart=", "/deals/?buyer=IN"),
        ("/deals/?q=&year_max=", "/deals/"),
        ("/statements/?kind=quote&speaker=&sort=-date", "/statements/?kind=quote&sort=-date"),
        ("/deals/?stage=signed&stage=&stage=talks", "/deals/?stage=signed&stage=talks"),
    ],
)
def test_an_address_with_empty_parameters_goes_to_the_clean_one(
    client, india_russia, asked, clean
):
    response = client.get(asked)
    assert response.status_code == 302
    assert response["Location"] == clean
    assert client.get(clean).status_code == 200


# --- Undated records ---------------------------------------------------------------------------


def test_a_year_filter_says_which_date_and_how_many_undated_it_leaves_out(client, india_russia):
    undated = Deal.objects.filter(signed__isnull=True).count()
    dated_since_2000 = Deal.objects.filter(signed__gte="2000").count()
    assert undated and dated_since_2000

    html = page(client, "/deals/?year_min=2000")

    assert '<label for="id_year_min">Signed from (year):</label>' in html
    assert len(table_rows(html)) == dated_since_2000
    note = re.search(r'<p class="undated"[^>]*>(.*?)</p>', html, re.S)[1]
    assert f"leaves out {undated} record" in note
    link = html_module.unescape(re.search(r'href="([^"]+)"', note)[1])
    assert link == "/deals/?dated=no"
    rows = table_rows(page(client, link))
    assert len(rows) == undated
    signed = headers(page(client, link)).index("Signed")
    assert {cells(row)[signed] for row in rows} == {"—"}


def test_the_undated_count_keeps_the_other_filters(client, india_russia):
    undated_talks = Deal.objects.filter(signed__isnull=True, stage="talks").count()
    html = page(client, "/deals/?year_max=2030&stage=talks")
    note = re.search(r'<p class="undated"[^>]*>(.*?)</p>', html, re.S)[1]
    assert f"leaves out {undated_talks} record" in note
    assert "/deals/?stage=talks&amp;dated=no" in note


def test_no_undated_note_without_a_year_filter(client, india_russia):
    assert 'class="undated"' not in page(client, "/deals/?stage=talks")


# --- Chips -------------------------------------------------------------------------------------


def test_chips_name_every_filter_set_even_one_without_a_box(client, india_russia):
    # A pair page's link: the form shows "Either party", the counterpart has no box of its own.
    html = page(client, "/deals/?party=IN&counterpart=RU&stage=signed&stage=talks&sort=title")

    assert chips(html) == [
        (
            ["Either", "party:", "India"],
            "/deals/?counterpart=RU&stage=signed&stage=talks&sort=title",
        ),
        (
            ["And", "either", "party:", "Russia"],
            "/deals/?party=IN&stage=signed&stage=talks&sort=title",
        ),
        (["Stage:", "Signed"], "/deals/?party=IN&counterpart=RU&stage=talks&sort=title"),
        (["Stage:", "Talks"], "/deals/?party=IN&counterpart=RU&stage=signed&sort=title"),
    ]


def test_a_chip_takes_the_reader_back_to_the_first_page(client, india_russia):
    html = page(client, "/deals/?q=S-400&page=1&per_page=1")
    [(_text, url)] = chips(html)
    assert url == "/deals/?per_page=1"


def test_no_chips_without_filters(client, india_russia):
    assert 'class="chips"' not in page(client, "/deals/?sort=title&per_page=50")


# --- Facet counts ------------------------------------------------------------------------------


def test_facet_counts_say_what_each_choice_gives_under_the_other_filters(client, india_russia):
    html = page(client, "/deals/?stage=signed")

    signed = Deal.objects.filter(stage="signed")
    # Stage counts leave out the stage filter itself: they say what choosing another would give.
    for stage, label in Deal.Stage.choices:
        assert (
            option_label(html, "stage", stage)
            == f"{label} ({Deal.objects.filter(stage=stage).count()})"
        )
    india = Party.objects.get(code="IN")
    assert option_label(html, "buyer", "IN") == f"India ({signed.filter(buyer=india).count()})"
    assert option_label(html, "seller", "IN") == f"India ({signed.filter(seller=india).count()})"
    for category, label in Platform.Category.choices:
        count = signed.filter(platform__category=category).count()
        assert option_label(html, "category", category) == f"{label} ({count})"
    # The chips keep the choices' plain names.
    assert (["Stage:", "Signed"], "/deals/") in chips(html)


def test_facet_counts_follow_the_data(client, india_russia):
    before = page(client, "/deals/?buyer=IN")
    talks = Deal.objects.filter(buyer__code="IN", stage="talks").count()
    assert option_label(before, "stage", "talks") == f"Talks ({talks})"
    for deal in Deal.objects.filter(stage="signed", buyer__code="IN"):
        deal.stage = "talks"
        deal.save()
    after = page(client, "/deals/?buyer=IN")
    assert (
        option_label(after, "stage", "talks")
        == f"Talks ({Deal.objects.filter(buyer__code='IN', stage='talks').count()})"
    )
    assert option_label(after, "stage", "signed") == "Signed (0)"


# --- Sorting -----------------------------------------------------------------------------------


def test_deals_open_with_the_latest_signed_first_and_the_undated_last(client, india_russia):
    html = page(client, "/deals/?per_page=100")
    signed = headers(html).index("Signed")
    shown = [cells(row)[signed] for row in table_rows(html)]
    dated = [s for s in shown if s != "—"]
    assert dated and shown[: len(dated)] == dated  # the undated come after the dated
    expected = [str(d.signed) for d in Deal.objects.exclude(signed=None).order_by("-signed")]
    assert dated == expected
    assert 'aria-sort="descending"' in html


def test_names_sort_naturally(client, india_russia):
    for name in ["Zeta 1011", "Zeta 13", "zeta 2", "Zeta", "Zeta 13b"]:
        Platform.objects.create(slug=name.lower().replace(" ", "-"), name=name, category="radar")
    html = page(client, "/platforms/?q=zeta&sort=name")
    names = [
        re.search(r'<a href="/platforms/[^"]+/">([^<]+)</a>', row)[1] for row in table_rows(html)
    ]
    assert names == ["Zeta", "zeta 2", "Zeta 13", "Zeta 13b", "Zeta 1011"]
    html = page(client, "/platforms/?q=zeta&sort=-name")
    names = [
        re.search(r'<a href="/platforms/[^"]+/">([^<]+)</a>', row)[1] for row in table_rows(html)
    ]
    assert names == ["Zeta 1011", "Zeta 13b", "Zeta 13", "zeta 2", "Zeta"]


# --- Page size and columns ---------------------------------------------------------------------


def test_the_page_size_control_sets_the_rows_per_page(client, india_russia):
    html = page(client, "/deals/")
    nav = re.search(r'<nav class="page-sizes"[^>]*>(.*?)</nav>', html, re.S)[1]
    assert "<strong" in nav and ">25<" in nav
    link = html_module.unescape(re.search(r'href="([^"]*per_page=5[0])"', nav)[1])
    assert link == "?per_page=50"
    assert len(table_rows(page(client, "/deals/?per_page=3"))) == 3
    assert len(table_rows(page(client, "/deals/?per_page=3&page=2"))) == 3


def test_the_column_chooser_shows_the_columns_chosen_and_exports_keep_all(client, india_russia):
    html = page(client, "/deals/")
    offered = re.findall(r'<input type="checkbox" name="col" value="([^"]+)"( checked)?>', html)
    assert ("title", " checked") in offered and ("condition", "") in offered
    assert "slug" not in [name for name, _ in offered]

    html = page(client, "/deals/?col=title&col=condition&col=no-such-column")
    assert headers(html) == ["Title", "Condition"]
    # The other filters' form keeps the choice of columns.
    assert '<input type="hidden" name="col" value="condition">' in html

    export = client.get("/deals/?col=title&_export=csv")
    header = next(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    assert {"Title", "Buyer", "Seller", "Units", "Value", "Condition"} <= set(header)


def test_columns_of_no_known_name_leave_the_table_as_it_is(client, india_russia):
    assert headers(page(client, "/deals/?col=nothing")) == headers(page(client, "/deals/"))


# --- Thousands separators ----------------------------------------------------------------------


def test_numbers_have_thousands_separators(client, india_russia):
    Platform.objects.bulk_create(
        Platform(slug=f"bulk-{i}", name=f"Bulk {i}", category="radar") for i in range(1000)
    )
    total = Platform.objects.count()
    shown = f"{total:,}"
    assert shown.count(",") == 1

    overview = page(client, "/")
    assert re.search(
        rf'<span class="number">{shown}</span></a><span class="label">platforms', overview
    )
    assert f"{shown} records" in page(client, "/platforms/")
    category = page(client, "/platforms/")
    others = Platform.objects.filter(category="radar").count()
    assert f"Radar and sensors ({others:,})" in html_module.unescape(category)
