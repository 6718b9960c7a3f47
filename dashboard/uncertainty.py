"""How an uncertain figure is marked, the same on every page, table and export.

SIPRI puts a "?" after a figure it is not sure of; the record keeps that as a boolean beside the
figure (`quantity_uncertain` beside `quantity`). Pages show the figure followed by a "?" whose
title explains it. Exports keep the figure as it is (numeric in XLSX) and give the flag a column
of its own, true or false, named after the figure ("Units uncertain").
"""

from django.utils.html import format_html

EXPLANATION = "Uncertain: the source marks this figure with a question mark."

# Each figure of a deal or a citation that a source may mark, and the field that holds the mark.
DEAL_FLAGS = {
    "quantity": "quantity_uncertain",
    "quantity_delivered": "quantity_delivered_uncertain",
    "signed": "signed_uncertain",
}
CITATION_FLAGS = {
    "quantity": "quantity_uncertain",
    "quantity_delivered": "quantity_delivered_uncertain",
    "ordered": "ordered_uncertain",
}


def mark() -> str:
    """The visible mark: a "?" that says what it means when pointed at or read aloud."""
    return format_html(
        '<abbr class="uncertain" title="{}" aria-label="uncertain">?</abbr>', EXPLANATION
    )


def marked(content, uncertain: bool):
    """`content` (text or safe HTML) followed by the mark when `uncertain`."""
    return format_html("{}{}", content, mark()) if uncertain else content


def uncertain_fields(record, flags: dict[str, str]) -> list[str]:
    """The names of `record`'s figures that its source marks as uncertain."""
    return [name for name, flag in flags.items() if getattr(record, flag)]
