"""A list's filtered rows as a CSV, JSON or XLSX file, read from the database a chunk at a time.

The columns are the list's table's own (dashboard/tables.py): their headers, their order and
what each exports (`Column.export`, a path for `QuerySet.values()`). A new list gets exports by
declaring its table. CSV and JSON stream as they are read; XLSX is written row by row into a
temporary file (xlsxwriter's constant-memory mode), so memory does not grow with the rows.

A spreadsheet must not run what a record holds: a CSV text cell that begins with = + - @, a
tab or a carriage return gets a leading ' (as OWASP recommends), and every XLSX text cell is
a string, never a formula. Numbers stay numbers. A list cell (a deal's sources) holds a JSON
array in CSV and XLSX, a separator no value can contain; in JSON, a list.
"""

from __future__ import annotations

import csv
import datetime
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

import xlsxwriter
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections
from django.db.models import BooleanField, F, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.http import FileResponse, StreamingHttpResponse

CHUNK_ROWS = 2000
# One encoder for every cell: json.dumps() with options builds a new one each call.
_json_text = json.JSONEncoder(ensure_ascii=False).encode
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset("".join(FORMULA_STARTS))
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)


@dataclass(frozen=True)
class ExportColumn:
    header: str
    path: str  # read with QuerySet.values()
    many: bool  # a list of values a row, read apart from the rows
    convert: Callable[[Any], Any]  # stored value -> exported value


def row_columns(table_class) -> list[ExportColumn]:
    """The columns of a table whose rows are dicts (an analysis's, not a model's): each column
    exports the value at its own name."""
    table = table_class([])
    return [
        ExportColumn(header=str(bound.header), path=bound.name, many=False, convert=_same)
        for bound in table.columns.iterall()
        if not bound.column.exclude_from_export
    ]


def export_columns(table_class) -> list[ExportColumn]:
    """The export's columns: every column of the table, shown or not, in the table's order."""
    model = table_class._meta.model
    table = table_class(model._default_manager.none())
    columns = []
    for bound in table.columns.iterall():
        column = bound.column
        if column.exclude_from_export:
            continue
        path = getattr(column, "export", None) or str(bound.accessor)
        field = _field_at(model, path)
        if field is not None and field.is_relation and not getattr(column, "many", False):
            raise ImproperlyConfigured(
                f"{table_class.__name__}.{bound.name} exports a relation: give the column "
                f'export="{path}__<field>".'
            )
        if hasattr(column, "export_value"):
            convert = column.export_value
        elif field is not None and field.choices:
            convert = dict(field.flatchoices).get
        else:
            convert = _same
        columns.append(
            ExportColumn(str(bound.header), path, getattr(column, "many", False), convert)
        )
    return columns


def _same(value):
    return value


def _field_at(model: type[Model], path: str):
    """The model field at the end of `path`, or None for an annotation such as a count."""
    field = None
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        model = field.related_model or model
    return field


def export_rows(queryset: QuerySet, columns: list[ExportColumn]) -> Iterator[list]:
    """The rows of `queryset`, in its order, as lists of exported values; each chunk of rows
    costs one query, and one more for each link its list columns read through."""
    paths = list(dict.fromkeys(c.path for c in columns if not c.many))
    index = {path: i + 1 for i, path in enumerate(paths)}
    # A count the list only sorts by (an alias, dashboard.selectors.with_counts) is selected.
    counts = {p: F(p) for p in paths if _field_at(queryset.model, p) is None}
    values = queryset.prefetch_related(None).annotate(**counts).values_list("pk", *paths)
    chunks = _chunks(values.iterator(chunk_size=CHUNK_ROWS), CHUNK_ROWS)
    # Where each column's value is: its place in a row, or its path among the lists.
    where = [c.path if c.many else index[c.path] for c in columns]
    links: dict[str, list[str]] = {}
    for column in columns:
        if column.many:
            links.setdefault(column.path.split("__")[0], []).append(column.path)
    for chunk in chunks:
        pks = [row[0] for row in chunk]
        lists = {}
        for link_paths in links.values():
            lists.update(_lists(queryset.model, pks, link_paths))
        for row in chunk:
            cells = []
            for column, at in zip(columns, where, strict=True):
                if column.many:
                    cells.append([column.convert(v) for v in lists[at].get(row[0], ())])
                else:
                    value = row[at] if column.convert is _same else column.convert(row[at])
                    cells.append(None if value == "" else value)
            yield cells


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def _lists(model: type[Model], pks: list, paths: list[str]) -> dict[str, dict[Any, list]]:
    """The values at each of `paths` (all through one link, such as a deal's citations) of each
    of the records `pks`, read in one query from the rows that link them, by the link's own
    index and in the links' order: a citation's source and its excerpt pair up item by item."""
    link = paths[0].split("__")[0]
    rests = [path.partition("__")[2] for path in paths]
    field = model._meta.get_field(link)
    if field.many_to_many and not field.auto_created:  # a many-to-many field of the model
        links, parent = field.remote_field.through._default_manager, field.m2m_field_name()
        values = [f"{field.m2m_reverse_field_name()}__{rest}" for rest in rests]
    elif field.one_to_many:  # records that point at the model (a deal's citations)
        links, parent, values = field.related_model._default_manager, field.field.name, rests
    else:
        links, parent, values = model._default_manager, "pk", paths
    found: dict[str, dict[Any, list]] = {path: {} for path in paths}
    rows = _among(links.all(), parent, pks).order_by("pk").values_list(parent, *values)
    for pk, *items in rows:
        for path, item in zip(paths, items, strict=True):
            if item is not None:
                found[path].setdefault(pk, []).append(item)
    return found


def _among(rows: QuerySet, field: str, values: list) -> QuerySet:
    """The `rows` whose `field` holds one of `values`. On PostgreSQL they go as one array
    (`= ANY(%s)`): an IN list of a chunk's 2,000 ids took a fifth of a CSV export's time to
    build, quote and parse (bench/README.md, "Exports")."""
    if connections[rows.db].vendor != "postgresql":
        return rows.filter(**{f"{field}__in": values})
    meta = rows.model._meta
    column = meta.pk.column if field == "pk" else meta.get_field(field).column
    quote = connections[rows.db].ops.quote_name
    among = RawSQL(
        f"{quote(meta.db_table)}.{quote(column)} = ANY(%s)", [values], output_field=BooleanField()
    )
    return rows.filter(among)


# --- Formats -------------------------------------------------------------------------------


def csv_text(value) -> Any:
    """A value as a CSV cell: text that a spreadsheet would read as a formula gets a leading '."""
    if value.__class__ is str:
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    if value is None or value == []:
        return ""
    if isinstance(value, list):
        return _json_text(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file whose write() gives back what it is given, for csv.writer to stream through."""

    def write(self, value):
        return value


def csv_stream(columns: list[ExportColumn], rows: Iterator[list]) -> Iterator[str]:
    # The byte-order mark tells spreadsheet programs the file is UTF-8 ("–", "é").
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([csv_text(c.header) for c in columns])
    for chunk in _chunks(rows, CHUNK_ROWS):
        yield "".join(writer.writerow([csv_text(v) for v in row]) for row in chunk)


def _json_value(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")  # a JSON number, exact
    return _json_text(value)


def json_stream(columns: list[ExportColumn], rows: Iterator[list]) -> Iterator[str]:
    keys = [json.dumps(c.header, ensure_ascii=False) + ": " for c in columns]
    yield "["
    separator = "\n"
    for chunk in _chunks(rows, CHUNK_ROWS):
        parts = []
        for row in chunk:
            body = ", ".join(k + _json_value(v) for k, v in zip(keys, row, strict=True))
            parts.append(f"{separator}{{{body}}}")
            separator = ",\n"
        yield "".join(parts)
    yield "\n]\n"


# The characters an XLSX cell cannot hold (XML 1.0 forbids them): replaced.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037]")
XLSX_OPTIONS = {
    # Rows go to a temporary file as they are written: memory does not grow with them.
    "constant_memory": True,
    # Text stays text: "=…" is never a formula, "https://…" never a link, "12" never a number.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def xlsx_text(value) -> Any:
    """A value as an XLSX cell: a list as JSON text, text with the characters the format cannot
    hold replaced; numbers, true/false and empty cells as they are."""
    if value is None or value == []:
        return None
    if isinstance(value, list):
        value = _json_text(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS.sub("\ufffd", value)
    return value


def xlsx_file(columns: list[ExportColumn], rows: Iterator[list], title: str):
    """The workbook in a temporary file, at its start; it is deleted when closed. Written with
    xlsxwriter, whose `write_row()` makes every text a string cell (XLSX_OPTIONS)."""
    # Handed to the response, which closes (and so deletes) it once sent.
    file = tempfile.TemporaryFile()  # noqa: SIM115
    workbook = xlsxwriter.Workbook(file, XLSX_OPTIONS)
    sheet = workbook.add_worksheet(title[:31])
    sheet.write_row(0, 0, [xlsx_text(c.header) for c in columns])
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [xlsx_text(v) for v in row])
    workbook.close()
    file.seek(0)
    return file


def export_response(*, queryset: QuerySet, table_class, export_format: str, filename: str):
    """The download of `queryset`'s rows in `export_format` ("csv", "json" or "xlsx")."""
    columns = export_columns(table_class)
    title = str(table_class._meta.model._meta.verbose_name_plural).capitalize()
    return _response(columns, export_rows(queryset, columns), export_format, filename, title)


def rows_response(*, rows: list[dict], table_class, export_format: str, filename: str):
    """The download of an analysis's `rows` (dicts) in the columns of `table_class`."""
    columns = row_columns(table_class)
    values = ([row.get(c.path) for c in columns] for row in rows)
    return _response(columns, values, export_format, filename, filename.split("-")[0].title())


def _response(columns, rows, export_format, filename, title):
    content_type = CONTENT_TYPES[export_format]
    if export_format == "xlsx":
        response = FileResponse(xlsx_file(columns, rows, title), content_type=content_type)
    else:
        stream = csv_stream if export_format == "csv" else json_stream
        response = StreamingHttpResponse(stream(columns, rows), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


SAFE_NAME = re.compile(r"[^A-Za-z0-9._]+")


def export_filename(
    *, name: str, query, filters: Iterable[str], export_format: str, today: datetime.date
) -> str:
    """`deals-IN-RU-2026-12-01.csv`: the list, the values of its `filters` set in `query` (in
    the order given), the day."""
    words = [name]
    for key, values in query.lists():
        if key in filters:
            words += [SAFE_NAME.sub("-", v).strip("-") for v in values]
    stem = "-".join(w for w in words if w)[:100].rstrip("-")
    return f"{stem}-{today.isoformat()}.{export_format}"
