"""One deal, several sources; uncertain figures marked everywhere; a source with thousands of
excerpts; parties of every kind. On the articles' data with a register's rows beside it (the
`register` fixture), as an import of SIPRI's trade register would leave them."""

import csv
import io
import json
from html.parser import HTMLParser

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import Deal, DealCitation, Party, Platform, Source
from dashboard.uncertainty import EXPLANATION


class Tables(HTMLParser):
    """Every table of a page: rows of (cell text, the cell's and its row's classes)."""

    def __init__(self):
        super().__init__()
        self.tables, self.row, self.cell, self.row_class = [], None, None, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"class": attrs.get("class") or "", "rows": []})
        elif tag == "tr":
            self.row, self.row_class = [], attrs.get("class") or ""
        elif tag in ("td", "th") and self.row is not None:
            self.cell = {"text": "", "class": attrs.get("class") or "", "row": self.row_class}
        elif tag == "abbr" and self.cell is not None and "uncertain" in (attrs.get("class") or ""):
            self.cell["uncertain"] = attrs.get("title")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.cell["text"] = " ".join(self.cell["text"].split())
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[-1]["rows"].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def tables(html, class_name):
    parser = Tables()
    parser.feed(html)
    return [t["rows"] for t in parser.tables if class_name in t["class"].split()]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def compared(client, slug):
    """The deal page's comparison, by row label: {label: [cells]}, and the header row."""
    [rows] = tables(page(client, f"/deals/{slug}/"), "sources-compare")
    return rows[0], {row[0]["text"].replace(" sources differ", ""): row for row in rows[1:]}


# --- The deal page -----------------------------------------------------------------------------


def test_the_deal_page_shows_each_sources_figures_side_by_side(client, register):
    header, rows = compared(client, "s-400-2018")
    columns = [cell["text"] for cell in header]
    assert columns[1] == "This record"
    article = next(i for i, c in enumerate(columns) if "Putin" in c)
    sipri = next(i for i, c in enumerate(columns) if "trade register" in c)
    units = [cell["text"] for cell in rows["Units ordered"]]
    assert (units[article], units[sipri]) == ("5", "10")
    assert units[1] == "5"  # the record keeps what the editor set from the article
    assert rows["Units delivered"][sipri]["text"] == "6?"
    assert rows["Units delivered"][article]["text"] == "Not stated"
    value = [cell["text"] for cell in rows["Value"]]
    assert (value[article], value[sipri]) == ("USD 5,430,000,000", "USD 5,400,000,000")
    assert rows["Year of order"][sipri]["text"] == "2018"
    assert rows["TIV delivered (millions)"][sipri]["text"] == "720"
    assert rows["TIV delivered (millions)"][article]["text"] == "Not stated"
    assert rows["Condition"][sipri]["text"] == "New"
    assert rows["Years of delivery"][sipri]["text"] == "2021; 2022; 2023"
    assert rows["Comment"][sipri]["text"] == "INR390 b ($5.4 b) deal"
    assert "S-400 Triumf,SAM system" in rows["Excerpt"][sipri]["text"]


def test_the_figures_the_sources_disagree_on_are_highlighted(client, register):
    header, rows = compared(client, "s-400-2018")
    sipri = next(i for i, c in enumerate(header) if "trade register" in c["text"])
    for label in ("Units ordered", "Value"):
        assert "disagree" in rows[label][0]["row"], label
        assert "sources differ" in rows[label][0]["text"]
        assert "differs" in rows[label][sipri]["class"]
    # Both give 2018; only SIPRI states what was delivered.
    for label in ("Year of order", "Units delivered"):
        assert "disagree" not in rows[label][0]["row"], label
    html = page(client, "/deals/s-400-2018/")
    assert "The sources disagree on: Units ordered, Value" in html


def test_each_source_column_links_to_its_source(client, register):
    html = page(client, "/deals/s-400-2018/")
    table = html.split('class="sources-compare"', 1)[1].split("</table>", 1)[0]
    assert f'href="{register.get_absolute_url()}"' in table
    assert 'href="/sources/agencies-alipov-putin-visit-2025/"' in table


def test_a_deal_whose_sources_state_no_figures_shows_no_comparison(client, india_russia):
    assert not tables(page(client, "/deals/brahmos-joint-venture/"), "sources-compare")


def test_the_article_figures_show_before_any_import(client, india_russia):
    header, rows = compared(client, "s-400-2018")
    units = {
        h["text"].split(" (")[0]: c["text"]
        for h, c in zip(header, rows["Units ordered"], strict=True)
    }
    assert units == {
        "Figure": "Units ordered",
        "This record": "5",
        "Russian envoy Alipov: Putin's December visit to India a watershed; talks on Su-57, "
        "India considering S-500": "5",
    }
    # The other article cites the deal without a figure: named, not a column of "Not stated".
    html = page(client, "/deals/s-400-2018/")
    assert "Also cited, without figures of its own:" in html
    assert 'href="/sources/ians-alipov-interview-2025-05/">Russian envoy Alipov: talks' in html
    assert "disagree" not in rows["Units ordered"][0]["row"]


def test_the_deal_page_shows_tivs_condition_and_years_of_delivery(client, register):
    html = page(client, "/deals/fajr-5-hezbollah-2006/")
    facts = html.split('id="deal-facts"', 1)[1].split("</section>", 1)[0]
    assert "Second hand" in facts
    assert "TIV per unit</dt>\n    <dd>0.5</dd>" in facts
    assert '<time datetime="2006">2006</time>' in facts
    # Units, units delivered and the year of order are each marked as SIPRI marks them.
    assert facts.count(f'title="{EXPLANATION}"') == 3


def test_a_long_source_is_not_read_whole_for_a_deals_page(client, register):
    register.text += "x" * 300_000
    register.save()
    with CaptureQueriesContext(connection) as captured:
        html = page(client, "/deals/s-400-2018/")
    assert "S-400 Triumf,SAM system" in html
    assert "could not be located" not in html
    assert not any("xxxxxxxxxx" in str(q["sql"]) for q in captured)
    assert len(html) < 100_000


# --- Uncertainty in tables and exports -------------------------------------------------------


def test_the_deals_table_marks_uncertain_figures_and_shows_tiv_and_condition(client, register):
    # Condition and units delivered are in the column chooser.
    columns = "".join(
        f"&col={name}"
        for name in [
            "title",
            "quantity",
            "quantity_delivered",
            "condition",
            "tiv_delivered",
            "signed",
        ]
    )
    [rows] = tables(page(client, f"/deals/?buyer=hezbollah-lebanon{columns}"), "deals")
    header = [cell["text"] for cell in rows[0]]
    assert {"Condition", "TIV delivered", "Units", "Units delivered"} <= set(header)
    [row] = rows[1:]
    cells = dict(zip(header, row, strict=True))
    assert cells["Units"]["text"] == "20?"
    assert cells["Units"]["uncertain"] == EXPLANATION
    assert cells["Signed"]["text"] == "2006?"
    assert cells["Condition"]["text"] == "Second hand"
    assert cells["TIV delivered"]["text"] == "10"


def test_csv_and_json_exports_carry_each_uncertainty_flag_in_its_own_column(client, register):
    response = client.get("/deals/?_export=csv")
    rows = {
        r["Slug"]: r for r in csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig")))
    }
    fajr = rows["fajr-5-hezbollah-2006"]
    assert (fajr["Units"], fajr["Units uncertain"]) == ("20", "True")
    assert fajr["Units delivered uncertain"] == "True"
    assert (fajr["Signed"], fajr["Signed uncertain"]) == ("2006", "True")
    assert (fajr["TIV per unit"], fajr["TIV of the order"], fajr["TIV delivered"]) == (
        "0.500",
        "10.000",
        "10.000",
    )
    assert fajr["Condition"] == "Second hand"
    assert fajr["Years of delivery"] == "[2006]"
    s400 = rows["s-400-2018"]
    assert (s400["Units"], s400["Units uncertain"]) == ("5", "False")
    assert s400["Years of delivery"] == "[2021, 2022, 2023]"

    records = json.loads(client.get("/deals/?_export=json").getvalue())
    fajr = next(r for r in records if r["Slug"] == "fajr-5-hezbollah-2006")
    assert (fajr["Units"], fajr["Units uncertain"], fajr["Signed uncertain"]) == (20, True, True)


def test_the_spreadsheet_keeps_figures_numeric_and_flags_true_or_false(client, register):
    response = client.get("/deals/?_export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    fajr = next(r for r in rows if r["Slug"] == "fajr-5-hezbollah-2006")
    assert fajr["Units"] == 20 and fajr["Units uncertain"] is True
    assert float(fajr["TIV per unit"]) == 0.5
    assert isinstance(fajr["TIV per unit"], float | int)
    s400 = next(r for r in rows if r["Slug"] == "s-400-2018")
    assert s400["Units uncertain"] is False


# --- Deal filters ------------------------------------------------------------------------------


def slugs(client, query):
    response = client.get(f"/deals/?{query}&_export=json")
    assert response.status_code == 200, query
    return sorted(r["Slug"] for r in json.loads(response.getvalue()))


def test_deal_filters_for_condition_tiv_and_parties_of_every_kind(client, register):
    assert slugs(client, "condition=second_hand") == ["fajr-5-hezbollah-2006"]
    assert slugs(client, "condition=new") == ["s-400-2018"]
    assert slugs(client, "has_tiv=yes") == ["fajr-5-hezbollah-2006", "s-400-2018"]
    without = slugs(client, "has_tiv=no")
    assert "s-400-2018" not in without and len(without) == Deal.objects.count() - 2
    assert slugs(client, "buyer=hezbollah-lebanon") == ["fajr-5-hezbollah-2006"]
    assert slugs(client, "party=hezbollah-lebanon&counterpart=IR") == ["fajr-5-hezbollah-2006"]
    assert slugs(client, "seller=IR") == ["fajr-5-hezbollah-2006"]
    html = page(client, "/deals/?condition=sometimes")
    assert "Select a valid choice" in html


# --- Parties -----------------------------------------------------------------------------------


def test_party_pages_for_every_kind_of_code(client, register):
    html = page(client, "/parties/hezbollah-lebanon/")
    assert "Non-state armed group · code hezbollah-lebanon" in html
    assert "Fajr-5 for Hezbollah (2006)" in html
    assert '2006<abbr class="uncertain"' in html  # its deals table marks the uncertain year
    soviet = page(client, "/parties/SUHH/")
    assert "Former state · ISO code SUHH" in soviet
    assert 'Continued by <a href="/parties/RU/">Russia</a>' in soviet
    assert client.get("/parties/ru/")["Location"] == "/parties/RU/"
    russia = page(client, "/parties/RU/")
    assert 'Continues <a href="/parties/SUHH/">Soviet Union</a>' in russia
    assert client.get("/parties/no-such-party/").status_code == 404


def test_the_party_list_shows_kind_and_successor_and_filters_by_kind(client, register):
    [rows] = tables(page(client, "/parties/?kind=former_state"), "parties")
    header = [cell["text"] for cell in rows[0]]
    [soviet] = [dict(zip(header, (c["text"] for c in row), strict=True)) for row in rows[1:]]
    assert (soviet["Name"], soviet["Kind"], soviet["Successor"]) == (
        "Soviet Union",
        "Former state",
        "Russia",
    )
    [rows] = tables(page(client, "/parties/?kind=armed_group"), "parties")
    assert [row[0]["text"] for row in rows[1:]] == ["Hezbollah (Lebanon)"]


# --- A source with thousands of excerpts --------------------------------------------------------


def grow_register(source, count, start=0):
    """`count` more deals, each citing its own row of the register, in bulk."""
    india, russia = Party.objects.get(code="IN"), Party.objects.get(code="RU")
    platform = Platform.objects.get(slug="s-400-triumf")
    rows = [
        f"India,Russia,{1950 + i % 70},,{i},,S-400 Triumf,SAM system row {i}"
        for i in range(start, start + count)
    ]
    source.text += "\n".join(rows) + "\n"
    source.save()
    deals = Deal.objects.bulk_create(
        Deal(
            slug=f"register-{i}",
            title=f"Register deal {i}",
            buyer=india,
            seller=russia,
            platform=platform,
            stage="completed",
        )
        for i in range(start, start + count)
    )
    DealCitation.objects.bulk_create(
        DealCitation(deal=deal, source=source, excerpt=row)
        for deal, row in zip(deals, rows, strict=True)
    )


def source_page(client, source, query=""):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{source.get_absolute_url()}{query}")
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def test_a_source_with_thousands_of_citations_keeps_a_small_page_in_flat_queries(client, register):
    grow_register(register, 300)
    _html, small = source_page(client, register)
    grow_register(register, 4000, start=300)
    assert register.citations.count() == 4302
    html, queries = source_page(client, register)
    assert queries == small
    assert len(html) < 150_000
    assert "<mark" not in html  # no highlighting of the whole text
    assert "Citations 1–100 of 4,302" in html
    last, _ = source_page(client, register, "?page=44")
    assert "Citations 4,301–4,302 of 4,302" in last
    assert 'href="/deals/register-4299/"' in last


def test_a_long_sources_whole_text_is_there_on_request(client, register):
    grow_register(register, 300)
    html, _ = source_page(client, register)
    assert 'href="/sources/sipri-trade-register-2024-10-13/text/"' in html
    text = client.get("/sources/sipri-trade-register-2024-10-13/text/")
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode() == Source.objects.get(pk=register.pk).text


def test_a_short_source_still_highlights_every_cited_passage(client, register):
    html, _ = source_page(client, register)
    assert html.count("<mark>") == 2
    assert "Citations 1–" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/deals/s-400-2018/",
        "/parties/SUHH/",
        "/parties/hezbollah-lebanon/",
        "/deals/",
        "/deals/?_export=csv",
        "/parties/",
        "/api/deals/",
        "/api/parties/",
    ],
)
def test_pages_with_register_figures_hold_their_query_count(client, register, url):
    _, before = source_page_like(client, url)
    grow_register(register, 50)
    _, after = source_page_like(client, url)
    assert after == before


def source_page_like(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)
