"""A deal's figures as each of its sources states them, side by side with the record's own.

Sources disagree (the articles give 5 S-400 units for USD 5.43 billion; SIPRI's register lists
10 ordered, 6 delivered), and each citation keeps what its source states. This module lays
those figures out as rows for the deal's page and marks the rows where they differ. The TIVs,
condition and years of delivery exist only in SIPRI's register: they are the record's, and are
shown again in the register's column.
"""

from dataclasses import dataclass, field

from django.contrib.humanize.templatetags.humanize import intcomma

from dashboard.models import Deal, DealCitation, Source
from dashboard.templatetags.figures import tiv

EXCERPT_SHOWN = 300  # characters of a citation's excerpt shown in the comparison


def is_register(source: Source) -> bool:
    """Whether `source` is an export of SIPRI's trade register (SIPRI is its publisher)."""
    publisher = source.publisher.lower()
    return publisher.startswith("sipri") or "stockholm international peace" in publisher


def has_figures(citation: DealCitation) -> bool:
    return any(
        value is not None
        for value in (
            citation.quantity,
            citation.quantity_delivered,
            citation.ordered,
            citation.value_amount,
        )
    ) or bool(citation.comment)


@dataclass
class Cell:
    shown: str | None  # None: not stated
    key: object = None  # what is compared across sources
    uncertain: bool = False
    differs: bool = False


@dataclass
class Row:
    label: str
    cells: list[Cell]
    compared: bool = True
    disagree: bool = field(init=False, default=False)

    def __post_init__(self):
        if not self.compared:
            return
        stated = {cell.key for cell in self.cells if cell.key is not None}
        self.disagree = len(stated) > 1
        record = self.cells[0].key
        for cell in self.cells[1:]:
            cell.differs = self.disagree and cell.key is not None and cell.key != record


def _number(value, uncertain=False) -> Cell:
    return Cell(None if value is None else intcomma(value), value, uncertain)


def _year(year, uncertain) -> Cell:
    return Cell(None if year is None else str(year), year, uncertain)


def _value(amount, currency) -> Cell:
    if amount is None:
        return Cell(None)
    return Cell(f"{currency} {intcomma(f'{amount.normalize():f}')}", (amount, currency))


def _value_row(deal: Deal, citations: list[DealCitation]) -> Row:
    """The values as each source states them, compared only when all are in one currency:
    INR 390 billion and USD 5.4 billion are not told apart as stated (the deal's page has its
    value in constant dollars)."""
    stated = [(deal.value_amount, deal.value_currency)] + [
        (c.value_amount, c.value_currency) for c in citations
    ]
    currencies = {currency for amount, currency in stated if amount is not None}
    cells = [_value(amount, currency) for amount, currency in stated]
    return Row("Value", cells, compared=len(currencies) <= 1)


def _tiv(value) -> Cell:
    return Cell(None if value is None else tiv(value), value)


def _text(value) -> Cell:
    return Cell(value or None, value or None)


def deal_sources_compared(*, deal: Deal, citations: list[DealCitation]) -> dict | None:
    """The comparison for the deal's page: columns (the record's, then each source's that
    states figures) and rows of figures, or None when no citation states a figure of its own
    (the page then shows the sources' excerpts only). `deal.deliveries` should be prefetched."""
    without = [c for c in citations if not (has_figures(c) or is_register(c.source))]
    citations = [c for c in citations if c not in without]
    if not citations:
        return None
    years = "; ".join(str(d.year) for d in deal.deliveries.all())
    register = [is_register(c.source) for c in citations]
    record_only = {
        "Condition": _text(deal.get_condition_display()),
        "TIV per unit (millions)": _tiv(deal.tiv_per_unit),
        "TIV of the order (millions)": _tiv(deal.tiv_total),
        "TIV delivered (millions)": _tiv(deal.tiv_delivered),
        "Years of delivery": _text(years),
    }
    signed = deal.signed
    rows = [
        Row(
            "Units ordered",
            [_number(deal.quantity, deal.quantity_uncertain)]
            + [_number(c.quantity, c.quantity_uncertain) for c in citations],
        ),
        Row(
            "Units delivered",
            [_number(deal.quantity_delivered, deal.quantity_delivered_uncertain)]
            + [_number(c.quantity_delivered, c.quantity_delivered_uncertain) for c in citations],
        ),
        Row(
            "Year of order",
            [
                Cell(
                    str(signed) if signed else None,
                    signed.year if signed else None,
                    deal.signed_uncertain,
                )
            ]
            + [_year(c.ordered, c.ordered_uncertain) for c in citations],
        ),
        _value_row(deal, citations),
    ]
    for label, cell in record_only.items():
        rows.append(
            Row(
                label,
                [cell] + [Cell(cell.shown, cell.key) if r else Cell(None) for r in register],
                compared=False,
            )
        )
    rows.append(Row("Comment", [Cell(None)] + [_text(c.comment) for c in citations], False))
    columns = [
        {
            "citation": c,
            "register": r,
            "excerpt": c.excerpt
            if len(c.excerpt) <= EXCERPT_SHOWN
            else c.excerpt[: EXCERPT_SHOWN - 1] + "…",
        }
        for c, r in zip(citations, register, strict=True)
    ]
    return {
        "columns": columns,
        "rows": rows,
        "disagreements": [row.label for row in rows if row.disagree],
        "without_figures": [c.source for c in without],
    }
