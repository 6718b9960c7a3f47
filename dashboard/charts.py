"""Chart specifications for charts.js: labels, datasets and, per bar or slice, the URL of the
filtered table behind it. Built from selector rows; no database access here."""

from functools import lru_cache
from urllib.parse import urlencode

from django.urls import reverse

from dashboard.models import Deal


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
    """One dataset per currency: amounts in different currencies are never added up."""
    years = sorted({row["year"] for row in rows})
    currencies = sorted({row["currency"] for row in rows})
    totals = {(row["year"], row["currency"]): row["total"] for row in rows}
    datasets = [
        {
            "label": currency,
            "data": [totals.get((year, currency), 0) for year in years],
            "links": [
                list_url(
                    "deal-list",
                    stage=Deal.Stage.signed_stages(),
                    currency=currency,
                    year_min=year,
                    year_max=year,
                    **scope,
                )
                for year in years
            ],
        }
        for currency in currencies
    ]
    return {"labels": [str(year) for year in years], "datasets": datasets}


def platforms_by_category(rows: list[dict]) -> dict:
    return {
        "labels": [row["label"] for row in rows],
        "datasets": [{"label": "Platforms", "data": [row["count"] for row in rows]}],
        "links": [list_url("platform-list", category=row["category"]) for row in rows],
    }


def deals_by_category(rows: list[dict], **scope) -> dict:
    return {
        "labels": [row["label"] for row in rows],
        "datasets": [{"label": "Deals", "data": [row["count"] for row in rows]}],
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
) -> dict:
    """A chart with its numbers as a plain table; each row links where its bar or slice does."""
    return {
        "id": id,
        "data_id": f"chart-{id}",
        "title": title,
        "kind": kind,
        "stacked": stacked,
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


def overview_panels(rows: dict) -> list[dict]:
    value = value_by_year(rows["value_by_year"])
    value_links = {
        (year, dataset["label"]): link
        for dataset in value["datasets"]
        for year, link in zip(value["labels"], dataset["links"], strict=True)
    }
    stage = deals_by_stage(rows["by_stage"])
    category = platforms_by_category(rows["by_category"])
    over_time = statements_by_year(rows["statements_by_year"])
    discussed = most_discussed(rows["most_discussed"])
    return [
        panel(
            id="value-by-year",
            title="Value of signed deals by year, per currency",
            kind="bar",
            chart=value,
            headers=["Year", "Currency", "Value", "Deals"],
            rows=_linked(
                rows["value_by_year"],
                [value_links[(str(r["year"]), r["currency"])] for r in rows["value_by_year"]],
                lambda r: [str(r["year"]), r["currency"], _n(r["total"]), _n(r["deals"])],
            ),
            empty="No signed deal states both its value and the year it was signed.",
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
