"""Reading SIPRI's trade-register CSV export into rows, each with the line it starts on.

The export is Latin-1, opens with lines of notes (what was selected, conventions, the source,
"Data generated: 13 Oct 2024 2:20:11 PM"), then a header row whose blank columns hold "?" when
the figure before them is uncertain. A few comments hold a line break that is not quoted, so a
record runs over two physical lines: those are joined with a space. Problems name their line.
"""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

# The header as SIPRI writes it; None marks a blank column that holds "?" for the one before.
COLUMNS = (
    "recipient",
    "supplier",
    "year of order",
    None,
    "number ordered",
    None,
    "weapon designation",
    "weapon description",
    "number delivered",
    None,
    "year(s) of delivery",
    "status",
    "comments",
    "sipri tiv per unit",
    "sipri tiv for total order",
    "sipri tiv of delivered weapons",
)
WIDTH = len(COLUMNS)
HEADER_SEARCH_LINES = 40  # SIPRI's notes run to about eleven lines
CONDITIONS = {
    "": "",
    "new": "new",
    "second hand": "second_hand",
    "second hand but modernized": "second_hand_modernised",
    "second hand but modernised": "second_hand_modernised",
}
_GENERATED = re.compile(r"^\W*(?:data|information)\s+generated:\s*(?P<when>[^,\"]+)", re.I)
_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y", "%B %d %Y", "%b %d %Y")


class NotRegister(Exception):
    """The file is not a SIPRI trade-register export, or cannot be read as one."""


@dataclass
class RegisterRow:
    """One record of the register, its figures read; `text` is the record as the file has it
    (physical lines joined), the excerpt each deal cites."""

    line: int
    text: str
    recipient: str
    supplier: str
    ordered: int | None
    ordered_uncertain: bool
    quantity: int | None
    quantity_uncertain: bool
    designation: str
    description: str
    delivered: int | None
    delivered_uncertain: bool
    delivery_years: list[int]
    condition: str
    comment: str
    tiv_per_unit: Decimal | None
    tiv_total: Decimal | None
    tiv_delivered: Decimal | None


@dataclass
class RegisterFile:
    name: str
    notes: list[str] = field(default_factory=list)
    header: str = ""
    generated: datetime.datetime | None = None
    rows: list[RegisterRow] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message)

    @property
    def complete(self) -> bool:
        """Whether the export selects the transfers of all countries to all countries."""
        return bool(self.notes) and "from all countries to all countries" in self.notes[0].lower()

    @property
    def text(self) -> str:
        """The export as a readable text: its notes, its header, then one line per record."""
        return "\n".join([*self.notes, self.header, *(row.text for row in self.rows)]) + "\n"


def decoded(data: bytes) -> str:
    """The file's text. SIPRI writes Latin-1; a file saved again as UTF-8 (with accented
    names) reads as UTF-8, since Latin-1 text with accents is almost never valid UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def register_read(path: str | Path, *, name: str | None = None) -> RegisterFile:
    """Read the export at `path`. Raises NotRegister for a file that is not one; problems
    with single records are collected in `problems`, with their lines."""
    name = name or str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise NotRegister(f"{name}: cannot be read: {error.strerror or error}.") from None
    return register_parse(decoded(data), name=name)


def register_parse(text: str, *, name: str) -> RegisterFile:
    lines = text.splitlines()
    register = RegisterFile(name=name)
    header_at = None
    for number, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        if _is_header(line):
            header_at = number
            break
        if line.strip():
            register.notes.append(line.rstrip())
        if match := _GENERATED.match(line):
            register.generated = _generated_parse(match["when"])
    if header_at is None:
        raise NotRegister(
            f"{name}: not a SIPRI trade-register export: no header row “Recipient, Supplier, "
            f"Year of order, …” in its first {HEADER_SEARCH_LINES} lines. Download the register "
            "as CSV from SIPRI's trade-register page."
        )
    if not any("sipri" in note.lower() for note in register.notes):
        raise NotRegister(
            f"{name}: not a SIPRI trade-register export: its notes do not name SIPRI as the "
            "source (“Source: SIPRI Arms Transfers Database”)."
        )
    if register.generated is None:
        register.problems.append(
            (
                0,
                "-",
                "No “Data generated: …” line among the notes: the export's date is its "
                "source's date.",
            )  # fmt: skip
        )
    register.header = lines[header_at].rstrip()
    _records_read(register, lines, start=header_at + 1)
    return register


def _is_header(line: str) -> bool:
    cells = [cell.strip().lower() for cell in next(csv.reader([line]), [])]
    return len(cells) >= 3 and cells[:3] == ["recipient", "supplier", "year of order"]


def _generated_parse(when: str) -> datetime.datetime | None:
    when = " ".join(when.split())
    for time_format in ("%I:%M:%S %p", "%H:%M:%S", "%I:%M %p", "%H:%M", ""):
        for date_format in _DATE_FORMATS:
            pattern = f"{date_format} {time_format}".strip()
            try:
                return datetime.datetime.strptime(when, pattern)
            except ValueError:
                continue
    return None


def _records_read(register: RegisterFile, lines: list[str], *, start: int) -> None:
    number = start
    while number < len(lines):
        first = number
        text = lines[number].strip()
        number += 1
        if not text.strip(", "):
            continue
        cells = record_cells(text)
        # A line break that is not quoted ends the record early: join the next line, as long
        # as the two together still make at most one record.
        while (cells is None or len(cells) < WIDTH) and number < len(lines):
            joined = text + " " + lines[number].strip()
            joined_cells = record_cells(joined)
            if joined_cells is not None and len(joined_cells) > WIDTH:
                break
            text, cells = joined, joined_cells
            number += 1
        if cells is None or len(cells) != WIDTH:
            count = "an unclosed quote" if cells is None else f"{len(cells)} columns"
            register.problems.append(
                (first + 1, "-", f"The record has {count}; a register row has {WIDTH}.")
            )
            continue
        row = record_read(register, first + 1, text, cells)
        if row is not None:
            register.rows.append(row)


def record_cells(text: str) -> list[str] | None:
    """A record's cells, or None while a quote is open (the record goes on)."""
    if text.count('"') % 2:
        return None
    return next(csv.reader([text]), [])


def record_read(
    register: RegisterFile, line: int, text: str, cells: list[str]
) -> RegisterRow | None:
    """One record's figures; None, with its problems noted in `register`, when it has any."""
    cells = [cell.strip() for cell in cells]
    problems: list[tuple[str, str]] = []

    def number(index: int, *, decimal: bool = False):
        value = cells[index].replace(",", "")
        if not value:
            return None
        try:
            parsed = Decimal(value)
        except InvalidOperation:
            parsed = None
        if parsed is None or parsed < 0 or (not decimal and parsed != parsed.to_integral()):
            kind = "a number" if decimal else "a whole number"
            problems.append((COLUMNS[index], f"“{cells[index]}” is not {kind}."))
            return None
        return parsed.quantize(Decimal("0.001")) if decimal else int(parsed)

    def mark(index: int) -> bool:
        if cells[index] not in ("", "?"):
            problems.append(
                (f"column {index + 1}", f"“{cells[index]}”: this column holds “?” or nothing.")
            )
        return cells[index] == "?"

    years = []
    for part in cells[10].replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        if re.fullmatch(r"\d{4}", part):
            years.append(int(part))
        else:
            problems.append(("year(s) of delivery", f"“{part}” is not a year."))
    condition = CONDITIONS.get(cells[11].lower())
    if condition is None:
        problems.append(
            ("status", f"“{cells[11]}” is not New, Second hand or Second hand but modernized.")
        )
    ordered = number(2)
    if ordered is not None and not 1900 <= ordered <= 2100:
        problems.append(("year of order", f"“{cells[2]}” is not a year."))
    for index, column in ((0, "recipient"), (1, "supplier"), (6, "weapon designation")):
        if not cells[index]:
            problems.append((column, "Empty."))
    row = RegisterRow(
        line=line,
        text=text,
        recipient=cells[0],
        supplier=cells[1],
        ordered=ordered,
        ordered_uncertain=mark(3),
        quantity=number(4),
        quantity_uncertain=mark(5),
        designation=cells[6],
        description=cells[7],
        delivered=number(8),
        delivered_uncertain=mark(9),
        delivery_years=sorted(set(years)),
        condition=condition or "",
        comment=cells[12],
        tiv_per_unit=number(13, decimal=True),
        tiv_total=number(14, decimal=True),
        tiv_delivered=number(15, decimal=True),
    )
    for column, message in problems:
        register.problems.append((line, column, message))
    return None if problems else row
