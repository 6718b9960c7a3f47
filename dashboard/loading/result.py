"""What a load reports: problems found, records created, updated and unchanged, and changes.

A fixture load never deletes; an importer that replaces what its file no longer lists (the
register's years of delivery) counts those records as deleted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.text import Truncator

from dashboard.partial_dates import PartialDate


@dataclass(frozen=True)
class FixtureError:
    """One problem, shown as `path:record N (model key) field: message`, or `path:line N ...`
    for records given with the line they came from."""

    path: str
    message: str
    record: int | None = None  # 1-based, within the file; None for a problem with the file
    label: str = "?"  # the model label and natural key, or "?"
    field: str = "-"  # "-" for a problem with the record as a whole
    line: int | None = None  # the caller's line number, for records given with one

    def __str__(self) -> str:
        if self.line is not None:
            where = f"line {self.line}"
        elif self.record is not None:
            where = f"record {self.record}"
        else:
            return printable(f"{self.path}: {self.message}")
        return printable(f"{self.path}:{where} ({self.label}) {self.field}: {self.message}")

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "record": self.record,
            "line": self.line,
            "label": self.label,
            "field": self.field,
            "message": self.message,
            "text": str(self),
        }


@dataclass
class ModelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class Change:
    """A record created, or updated with (field, old, new) for each field that differs."""

    label: str  # "dashboard.deal s-400-2018"
    action: str  # "created", "updated" or "deleted"
    fields: tuple[tuple[str, Any, Any], ...] = ()

    def lines(self) -> list[str]:
        if self.action in ("created", "deleted"):
            return [printable(f"{self.label}: {self.action}")]
        return [
            printable(f"{self.label}: {name} {value_shown(old)} → {value_shown(new)}")
            for name, old, new in self.fields
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "action": self.action,
            "fields": {
                name: {"old": value_json(old), "new": value_json(new)}
                for name, old, new in self.fields
            },
        }


@dataclass
class LoadResult:
    dry_run: bool = False
    records: int = 0
    counts: dict[str, ModelCounts] = field(default_factory=dict)
    errors: list[FixtureError] = field(default_factory=list)
    errors_more: int = 0  # problems found beyond those kept in `errors` (Limits.errors)
    changes: list[Change] | None = None  # None when the caller did not ask for them

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.deleted for c in self.counts.values())

    def summary(self) -> str:
        if self.errors:
            count = len(self.errors) + self.errors_more
            shown = f" (the first {len(self.errors):,} shown)" if self.errors_more else ""
            plural = "s" if count != 1 else ""
            return f"{count:,} problem{plural} found{shown}; nothing was written."
        if not self.changed:
            return "Nothing changed." if not self.dry_run else "Nothing would change."
        created = sum(c.created for c in self.counts.values())
        updated = sum(c.updated for c in self.counts.values())
        deleted = sum(c.deleted for c in self.counts.values())
        also = f", {deleted} deleted" if deleted else ""
        if self.dry_run:
            return (
                f"Dry run: {created} would be created, {updated} updated{also}; "
                "nothing was written."
            )
        return f"{created} created, {updated} updated{also}."

    def table(self) -> str:
        """A plain text table, one row per model, in write order; a column of records deleted
        when there are any."""
        header = ("model", "created", "updated", "unchanged")
        rows = [
            (label, str(c.created), str(c.updated), str(c.unchanged))
            for label, c in self.counts.items()
        ]
        if any(c.deleted for c in self.counts.values()):
            header += ("deleted",)
            rows = [
                (*row, str(c.deleted)) for row, c in zip(rows, self.counts.values(), strict=True)
            ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        lines = []
        for row in [header, *rows]:
            cells = [row[0].ljust(widths[0])] + [
                cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
            ]
            lines.append("  ".join(cells))
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "records": self.records,
            "changed": self.changed,
            "counts": {
                label: {
                    "created": c.created,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                    "deleted": c.deleted,
                }
                for label, c in self.counts.items()
            },
            "errors": [error.as_json() for error in self.errors],
            "errors_more": self.errors_more,
            "summary": self.summary(),
        }
        if self.changes is not None:
            document["changes"] = [change.as_json() for change in self.changes]
        return document


def value_shown(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, list):
        return "[" + ", ".join(value_shown(item) for item in value) + "]"
    if isinstance(value, tuple):
        return " ".join(str(part) for part in value)
    if isinstance(value, str) and not isinstance(value, PartialDate):
        return f"“{Truncator(value).chars(60)}”"
    if isinstance(value, PartialDate):
        return value.isoformat()
    return str(value)


def value_json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, list):
        return [value_json(item) for item in value]
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, PartialDate):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


# Control characters (a terminal's escape sequences among them), direction overrides and lone
# surrogates, which a file may hold in any value it gives: shown as escapes, never raw.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def printable(text: str) -> str:
    """`text` with every control character, direction mark and lone surrogate escaped."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(found: re.Match) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
