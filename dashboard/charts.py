"""Chart specifications for charts.js: labels, datasets and, per bar or slice, the URL of the
filtered table behind it. Built from selector rows; no database access here."""

from functools import lru_cache
from urllib.parse import urlencode

from django.urls import reverse

from dashboard import money
from dashboard.models import Deal, Platform

# --- Colours -----------------------------------------------------------------------------------
# One colour per platform category, the same in every chart, no two alike: Okabe–Ito's eight
# for the first categories, then colours from Paul Tol's palettes picked so that every pair
# stays apart to normal vision and under simulated deuteranopia and protanopia
# (tests/test_charts_palette.py measures it), and grey for "Other". Beyond a dozen colours no
# palette is safe for every reader: each chart also has its numbers as a table.
CATEGORY_PALETTE = [
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
    "#332288", "#72190E", "#225555", "#DDCC77", "#222255", "#666633", "#EE6677", "#663333",
    "#AA3377", "#CAE0AB", "#A5170E", "#999933", "#CAACCB", "#EE8866", "#004488", "#99DDFF",
    "#90C987", "#CCBB44", "#DC050C", "#228833", "#42150A",
]  # fmt: skip
OTHER_COLOUR = "#BBBBBB"
CATEGORY_COLOURS = dict(
    zip(
        [c for c in Platform.Category.values if c != Platform.Category.OTHER],
        CATEGORY_PALETTE,
        strict=True,
    )
) | {Platform.Category.OTHER.value: OTHER_COLOUR}


def category_colours(rows: list[dict]) -> list[str]:
    return [CATEGORY_COLOURS.get(row["category"], OTHER_COLOUR) for row in rows]


@lru_cache(maxsize=64)
def _list_path(name: str) -> str:
    return reverse(f"dashboard:{name}")


def list_url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    url = _list_path(name)
    return f"{url}?{query}" if query else url


def deals_by_stage(rows: list[dict], **scope) -> dict:
    return {
        "labels": [row["label"] for row in rows],
        "datasets": [{"label": "Deals", "data": [row["count"] for row in rows]}],
        "links": [list_url("deal-list", stage=row["stage"], **scope) for row in rows],
    }


def value_by_year(rows: list[dict], **scope) -> dict:
    """Signed deals' value by year on one scale, constant US dollars: one dataset per currency
    the deals were stated in, each converted, stacked. A stated amount is never drawn, so INR
    and USD never share an axis; the deals whose value does not convert are left out (the
    chart's table and note list them)."""
    years = sorted({row["year"] for row in rows})
    currencies = sorted({row["currency"] for row in rows if row["converted"]})
    totals = {(row["year"], row["currency"]): row["total_usd"] for row in rows}
    datasets = [
        {
            "label": f"Stated in {currency}",
            "currency": currency,
            "data": [totals.get((year, currency)) or 0 for year in years],
            "links": [value_link(year, currency, **scope) for year in years],
        }
        for currency in currencies
    ]
    return {"labels": [str(year) for year in years], "datasets": datasets}


def value_link(year: int, currency: str, **scope) -> str:
    """The deals list behind one year's value in one currency."""
    return list_url(
        "deal-list",
        stage=Deal.Stage.signed_stages(),
        currency=currency,
        year_min=year,
        year_max=year,
        **scope,
    )


def value_cells(row: dict) -> list[str]:
    """A row of the value table: year, currency, the stated total, the constant dollars."""
    if row["converted"] == row["deals"]:
        usd = _n(row["total_usd"])
    elif row["converted"]:
        usd = f"{_n(row['total_usd'])} ({row['deals'] - row['converted']} not converted)"
    else:
        usd = "not converted"
    return [str(row["year"]), row["currency"], _n(row["total"]), usd, _n(row["deals"])]


def value_note(total: dict, **scope) -> dict:
    """What the value chart shows and how, with the deals it leaves out."""
    note = {"method": money.method_text(), "unconverted": total["unconverted"]}
    if total["unconverted"]:
        note["unconverted_url"] = list_url(
            "deal-list", stage=Deal.Stage.signed_stages(), converted="no", **scope
        )
    return note


def platforms_by_category(rows: list[dict]) -> dict:
    return {
        "labels": [row["label"] for row in rows],
        "datasets": [
            {
                "label": "Platforms",
                "data": [row["count"] for row in rows],
                "backgroundColor": category_colours(rows),
            }
        ],
        "links": [list_url("platform-list", category=row["category"]) for row in rows],
    }


def deals_by_category(rows: list[dict], **scope) -> dict:
    return {
        "labels": [row["label"] for row in rows],
        "datasets": [
            {
                "label": "Deals",
                "data": [row["count"] for row in rows],
                "backgroundColor": category_colours(rows),
            }
        ],
        "links": [list_url("deal-list", category=row["category"], **scope) for row in rows],
    }


def statements_by_year(rows: list[dict], **scope) -> dict:
    return {
        "labels": [str(row["year"]) for row in rows],
        "datasets": [{"label": "Statements", "data": [row["count"] for row in rows]}],
        "links": [
            list_url("statement-list", year_min=row["year"], year_max=row["year"], **scope)
            for row in rows
        ],
    }


def most_discussed(rows: list[dict]) -> dict:
    return {
        "labels": [row["name"] for row in rows],
        "datasets": [{"label": "Statements", "data": [row["count"] for row in rows]}],
        "links": [list_url("statement-list", platform=row["slug"]) for row in rows],
    }


def _n(number) -> str:
    return f"{number:,.0f}"


def panel(
    *,
    id: str,
    title: str,
    kind: str,
    chart: dict,
    headers: list[str],
    rows: list[dict],
    empty: str,
    stacked: bool = False,
    currency: str = "",
    note: dict | None = None,
) -> dict:
    """A chart with its numbers as a plain table; each row links where its bar or slice does."""
    return {
        "id": id,
        "data_id": f"chart-{id}",
        "title": title,
        "kind": kind,
        "stacked": stacked,
        "currency": currency,
        "note": note,
        "chart": chart,
        "headers": headers,
        "rows": rows,
        "empty": empty,
    }


def _linked(rows: list[dict], links: list[str], cells) -> list[dict]:
    """Each selector row as table cells, linking where its bar or slice does."""
    return [{"cells": cells(row), "url": url} for row, url in zip(rows, links, strict=True)]


def _label_and_count(row: dict) -> list[str]:
    return [row["label"], _n(row["count"])]


def overview_panels(rows: dict, value_usd: dict) -> list[dict]:
    value = value_by_year(rows["value_by_year"])
    stage = deals_by_stage(rows["by_stage"])
    category = platforms_by_category(rows["by_category"])
    over_time = statements_by_year(rows["statements_by_year"])
    discussed = most_discussed(rows["most_discussed"])
    year = value_usd["base_year"]
    return [
        panel(
            id="value-by-year",
            title=f"Value of signed deals by year, in constant {year} US dollars",
            kind="bar",
            chart=value,
            headers=["Year", "Stated in", "Stated value", f"{year} US$", "Deals"],
            rows=_linked(
                rows["value_by_year"],
                [value_link(r["year"], r["currency"]) for r in rows["value_by_year"]],
                value_cells,
            ),
            empty="No signed deal states both its value and the year it was signed.",
            stacked=True,
            currency="USD",
            note=value_note(value_usd),
        ),
        panel(
            id="deals-by-stage",
            title="Deals by stage",
            kind="bar",
            chart=stage,
            headers=["Stage", "Deals"],
            rows=_linked(rows["by_stage"], stage["links"], _label_and_count),
            empty="No deals recorded yet.",
        ),
        panel(
            id="platforms-by-category",
            title="Platforms by category",
            kind="doughnut",
            chart=category,
            headers=["Category", "Platforms"],
            rows=_linked(rows["by_category"], category["links"], _label_and_count),
            empty="No platforms recorded yet.",
        ),
        panel(
            id="statements-by-year",
            title="Statements by year",
            kind="bar",
            chart=over_time,
            headers=["Year", "Statements"],
            rows=_linked(
                rows["statements_by_year"],
                over_time["links"],
                lambda r: [str(r["year"]), _n(r["count"])],
            ),
            empty="No statements recorded yet.",
        ),
        panel(
            id="most-discussed",
            title="Most-discussed platforms",
            kind="horizontalBar",
            chart=discussed,
            headers=["Platform", "Statements"],
            rows=_linked(
                rows["most_discussed"], discussed["links"], lambda r: [r["name"], _n(r["count"])]
            ),
            empty="No statement concerns a platform yet.",
        ),
    ]


def transfer_links(row: dict, group: str, query) -> dict:
    """Where a transfers row leads: `url`, its party's page (a party row) or the transfers
    narrowed to it; `drill`, the transfers narrowed to it, one row a year (or per supplier,
    for a year or a category)."""
    params = {k: v for k, v in query.items() if k not in ("page", "_export", "sort")}
    if group in ("supplier", "recipient"):
        drill = list_url("transfer-list", **{**params, group: row["code"], "group": "year"})
        url = reverse("dashboard:party-detail", kwargs={"code": row["code"]})
    elif group == "year":
        drill = list_url(
            "transfer-list",
            **{**params, "year_min": row["code"], "year_max": row["code"], "group": "supplier"},
        )
        url = drill
    else:
        drill = list_url(
            "transfer-list", **{**params, "category": row["code"], "group": "supplier"}
        )
        url = drill
    return {"url": url, "drill": drill}


def transfers(rows: list[dict], group: str) -> dict:
    """The transfers rows as bars: TIV, one bar a row, each leading to the rows behind it."""
    return {
        "labels": [row["name"] for row in rows],
        "datasets": [{"label": "TIV (millions)", "data": [row["tiv"] for row in rows]}],
        "links": [row["drill"] for row in rows],
        "shares": [row["share"] for row in rows],
    }


def _tiv(number) -> str:
    return f"{number:,.1f}"


def _period_bounds(label: str) -> tuple[str, str]:
    """ "2019–23" -> ("2019", "2023")."""
    start, end = label.split("–")
    return start, start[: 4 - len(end)] + end


def period_shares_panel(result: dict, *, party, side: str, fold: bool) -> dict:
    """A party's partners' shares of its imports (side "recipient": its suppliers) or exports
    by five-year period, as stacked bars of per cent, each bar leading to the transfers."""
    other = "supplier" if side == "recipient" else "recipient"
    extra = {"fold": "on"} if fold else {}

    def link(code, period):
        start, end = _period_bounds(period)
        params = {side: party.code, "year_min": start, "year_max": end, "group": other, **extra}
        if code:
            params.update({other: code, "group": "year"})
        return list_url("transfer-list", **params)

    datasets = [
        {
            "label": s["name"],
            "data": s["shares"],
            "links": [link(s["code"], p) for p in result["periods"]],
        }
        for s in result["series"]
    ]
    rows = [
        {
            "cells": [period, s["name"], f"{share:.1f}", _tiv(tiv)],
            "url": link(s["code"], period),
        }
        for i, period in enumerate(result["periods"])
        for s in result["series"]
        for share, tiv in [(s["shares"][i], s["tiv"][i])]
        if tiv
    ]
    whose = "suppliers" if side == "recipient" else "recipients"
    what = "imports" if side == "recipient" else "exports"
    return panel(
        id=f"{whose}-by-period",
        title=f"{party.name}'s {whose}: shares of its {what} by five-year period (%)",
        kind="bar",
        stacked=True,
        chart={"labels": result["periods"], "datasets": datasets},
        headers=["Period", whose.capitalize()[:-1], "Share (%)", "TIV (millions)"],
        rows=rows,
        empty=f"No deliveries {'to' if side == 'recipient' else 'from'} {party.name} are listed.",
    )


def recipients_panel(rows: list[dict], *, party, fold: bool) -> dict:
    extra = {"fold": "on"} if fold else {}
    links = [
        list_url("transfer-list", supplier=party.code, recipient=r["code"], group="year", **extra)
        for r in rows
    ]
    return panel(
        id="recipients",
        title=f"{party.name}'s recipients (TIV, millions)",
        kind="horizontalBar",
        chart={
            "labels": [r["name"] for r in rows],
            "datasets": [{"label": "TIV (millions)", "data": [r["tiv"] for r in rows]}],
            "links": links,
        },
        headers=["Recipient", "TIV (millions)", "Share (%)"],
        rows=_linked(rows, links, lambda r: [r["name"], _tiv(r["tiv"]), f"{r['share']:.1f}"]),
        empty=f"{party.name} supplies no listed deliveries.",
    )


def imports_exports_panel(rows: list[dict], *, party, fold: bool) -> dict:
    extra = {"fold": "on"} if fold else {}
    years = [str(r["year"]) for r in rows]

    def links(side, group):
        return [
            list_url(
                "transfer-list", **{side: party.code}, year_min=y, year_max=y, group=group, **extra
            )
            for y in years
        ]

    imports, exports = links("recipient", "supplier"), links("supplier", "recipient")
    return panel(
        id="imports-exports",
        title=f"{party.name}'s imports and exports by year (TIV, millions)",
        kind="bar",
        chart={
            "labels": years,
            "datasets": [
                {"label": "Imports", "data": [r["imports"] for r in rows], "links": imports},
                {"label": "Exports", "data": [r["exports"] for r in rows], "links": exports},
            ],
        },
        headers=["Year", "Imports", "Exports"],
        rows=_linked(
            rows, imports, lambda r: [str(r["year"]), _tiv(r["imports"]), _tiv(r["exports"])]
        ),
        empty=f"No deliveries to or from {party.name} are listed.",
    )


def pair_transfers_panel(rows: list[dict], *, first, second, fold: bool) -> dict:
    extra = {"fold": "on"} if fold else {}
    years = [str(r["year"]) for r in rows]

    def links(to, source):
        return [
            list_url(
                "transfer-list",
                recipient=to.code,
                supplier=source.code,
                year_min=y,
                year_max=y,
                group="category",
                **extra,
            )
            for y in years
        ]

    to_first, to_second = links(first, second), links(second, first)
    return panel(
        id="pair-transfers",
        title="Deliveries by year, both ways (TIV, millions)",
        kind="bar",
        chart={
            "labels": years,
            "datasets": [
                {
                    "label": f"To {first.name} from {second.name}",
                    "data": [r["to_first"] for r in rows],
                    "links": to_first,
                },
                {
                    "label": f"To {second.name} from {first.name}",
                    "data": [r["to_second"] for r in rows],
                    "links": to_second,
                },
            ],
        },
        headers=["Year", f"To {first.name}", f"To {second.name}"],
        rows=_linked(
            rows, to_first, lambda r: [str(r["year"]), _tiv(r["to_first"]), _tiv(r["to_second"])]
        ),
        empty=f"No deliveries between {first.name} and {second.name} are listed.",
    )


def leaders_panels(leaders: dict, *, year_min=None, year_max=None) -> list[dict]:
    """The largest importers and exporters of a period, as horizontal bars."""
    span = {"year_min": year_min, "year_max": year_max}
    made = []
    for key, side, title in (
        ("importers", "recipient", "Largest importers"),
        ("exporters", "supplier", "Largest exporters"),
    ):
        rows = leaders[key]
        links = [
            list_url("transfer-list", **{side: r["code"]}, group="year", **span) for r in rows
        ]
        made.append(
            panel(
                id=key,
                title=f"{title} (TIV, millions; share of all deliveries)",
                kind="horizontalBar",
                chart={
                    "labels": [r["name"] for r in rows],
                    "datasets": [{"label": "TIV (millions)", "data": [r["tiv"] for r in rows]}],
                    "links": links,
                },
                headers=["Party", "TIV (millions)", "Share (%)"],
                rows=_linked(
                    rows, links, lambda r: [r["name"], _tiv(r["tiv"]), f"{r['share']:.1f}"]
                ),
                empty="No deliveries are listed for this period.",
            )
        )
    return made
