"""Sorting and paging for the API's lists.

`sort` takes the columns of the page's own table (`sort=-value_amount`), so the API sorts by
exactly what the page does; unknown values (NULL) come last either way. Rows are paged by
cursor (keyset paging): each page ends with a `next` address whose cursor holds the sort values
of the page's last row, and the next page is the rows after it, read through the sort's index.
No page counts the rows or skips over an OFFSET, so the millionth row costs what the first
does.

Cursors are signed, so nothing but values this API wrote ever reaches a query.
"""

from collections.abc import Iterable
from decimal import Decimal
from functools import cache

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Model, Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from dashboard.partial_dates import PartialDate

SORT_PARAM = "sort"
CURSOR_SALT = "dashboard.api.cursor"

# A sort key: the path to sort by, whether descending, whether it can be NULL (NULLs come last
# either way, as on the pages).
Key = tuple[str, bool, bool]


@cache
def table_columns(table_class) -> dict[str, tuple[str, ...]]:
    """The columns a table sorts by, each with the paths it sorts on (a deal's `buyer` on
    `buyer__name`), as django-tables2 reads them from the table."""
    table = table_class(table_class._meta.model.objects.none())
    return {
        column.name: tuple(str(path) for path in column.order_by)
        for column in table.columns
        if column.orderable
    }


@cache
def natural_columns(table_class) -> dict[str, dict]:
    """The columns whose table sorts names naturally (`tables.natural`), with their keys."""
    return {
        name: order.natural_keys
        for name in table_columns(table_class)
        if (order := getattr(table_class, f"order_{name}", None))
        and hasattr(order, "natural_keys")
    }


def sort_choices(view) -> list[str]:
    table_class = getattr(view, "table_class", None)
    names = list(table_columns(table_class)) if table_class else []
    return [spelled for name in names for spelled in (name, f"-{name}")]


def can_be_null(model: type[Model], path: str) -> bool:
    """Whether the value at `path` can be NULL: any nullable field on the way. A name that is
    no field is one of the queryset's computed counts, which are never NULL."""
    for part in path.split("__"):
        if part == "pk":
            return False
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.null:
            return True
        model = field.related_model
    return False


def parse_keys(model, spelled: Iterable[str]) -> list[Key]:
    keys = []
    for item in spelled:
        path = item.lstrip("-")
        keys.append((path, item.startswith("-"), can_be_null(model, path)))
    if not any(path in ("pk", "id") for path, _, _ in keys):
        keys.append(("pk", False, False))
    return keys


class TableSort(BaseFilterBackend):
    """`sort`: a column of the page's table, with "-" before it for descending. Without it, a
    list is in the model's own order. Every sort ends with the record's id, so that rows with
    equal values still come in one order."""

    def get_ordering(self, request, queryset, view) -> list[Key]:
        wanted = request.query_params.get(SORT_PARAM)
        model = queryset.model
        if not wanted:
            return parse_keys(model, getattr(view, "ordering", None) or model._meta.ordering)
        choices = sort_choices(view)
        if wanted not in choices:
            message = (
                f"“{wanted}” is not a column to sort by. Choose one of: {', '.join(choices)}."
                if choices
                else "This list cannot be sorted."
            )
            raise ValidationError({SORT_PARAM: [message]})
        descending = wanted.startswith("-")
        name = wanted.lstrip("-")
        # A natural sort ends with the id in the sort's direction, as the page's does.
        natural = natural_columns(view.table_class).get(name)
        paths = (*natural, "pk") if natural else table_columns(view.table_class)[name]
        return parse_keys(model, [path if not descending else _reverse(path) for path in paths])

    def filter_queryset(self, request, queryset, view):
        # The page's natural sort of names, as values on each row for the cursor to keep.
        wanted = request.query_params.get(SORT_PARAM, "").lstrip("-")
        table_class = getattr(view, "table_class", None)
        if table_class and (keys := natural_columns(table_class).get(wanted)):
            queryset = queryset.annotate(**keys)
        return ordered(queryset, self.get_ordering(request, queryset, view))

    def get_schema_operation_parameters(self, view):
        choices = sort_choices(view)
        if not choices:
            return []
        return [
            {
                "name": SORT_PARAM,
                "required": False,
                "in": "query",
                "description": "A column of the page's table to sort by; '-' before it for "
                "descending. Unknown values come last either way.",
                "schema": {"type": "string", "enum": choices},
            }
        ]


def _reverse(path: str) -> str:
    return path[1:] if path.startswith("-") else f"-{path}"


def ordered(queryset: QuerySet, keys: list[Key]) -> QuerySet:
    def expression(path, descending, nullable):
        if not nullable:
            return f"-{path}" if descending else path
        return F(path).desc(nulls_last=True) if descending else F(path).asc(nulls_last=True)

    return queryset.order_by(*(expression(*key) for key in keys))


def after(keys: list[Key], position: list) -> Q:
    """The rows that come after `position` (the sort values of a row) in the order `keys`
    give: later in the first key, or equal in it and later in the next, and so on."""
    condition, equal = Q(), Q()
    for (path, descending, nullable), value in zip(keys, position, strict=True):
        if value is None:
            # NULLs come last: nothing is later than NULL in this key.
            later, same = None, Q(**{f"{path}__isnull": True})
        else:
            later = Q(**{f"{path}__{'lt' if descending else 'gt'}": value})
            if nullable:
                later |= Q(**{f"{path}__isnull": True})
            same = Q(**{path: value})
        if later is not None:
            condition |= equal & later
        equal &= same
    path, descending, nullable = keys[0]
    if position[0] is not None and not nullable:
        # Implied by the condition, said outright so that the database starts its index scan
        # at the position instead of reading every row before it.
        condition &= Q(**{f"{path}__{'lte' if descending else 'gte'}": position[0]})
    return condition


def position_of(record, keys: list[Key]) -> list:
    """The sort values of `record`, as a cursor keeps them."""
    values = []
    for path, _descending, _nullable in keys:
        value = record
        for part in path.split("__"):
            value = getattr(value, part) if value is not None else None
        if isinstance(value, PartialDate):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        values.append(value)
    return values


class CursorPagination(BasePagination):
    """Pages of `per_page` rows (100 unless asked, at most 1000), each with the address of
    the next one; the last page's `next` is null."""

    page_size = 100
    max_page_size = 1000
    cursor_param = "cursor"
    size_param = "per_page"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.chosen_size(request)
        sort = request.query_params.get(SORT_PARAM, "")
        keys = TableSort().get_ordering(request, queryset, view)
        rows = ordered(queryset, keys)
        if position := self.decoded(request, sort, keys):
            rows = rows.filter(after(keys, position))
        page = list(rows[: size + 1])
        self.next_cursor = None
        if len(page) > size:
            last = position_of(page[size - 1], keys)
            self.next_cursor = signing.dumps({"sort": sort, "after": last}, salt=CURSOR_SALT)
        return page[:size]

    def chosen_size(self, request) -> int:
        wanted = request.query_params.get(self.size_param)
        if wanted is None:
            return self.page_size
        if not wanted.isdigit() or not 1 <= int(wanted) <= self.max_page_size:
            raise ValidationError(
                {self.size_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return int(wanted)

    def decoded(self, request, sort, keys) -> list | None:
        cursor = request.query_params.get(self.cursor_param)
        if cursor is None:
            return None
        try:
            kept = signing.loads(cursor, salt=CURSOR_SALT)
        except signing.BadSignature:
            kept = None
        if not isinstance(kept, dict) or len(kept.get("after", ())) != len(keys):
            raise ValidationError(
                {self.cursor_param: ["This cursor is not one this list gave: start again."]}
            )
        if kept.get("sort") != sort:
            raise ValidationError(
                {self.cursor_param: ["This cursor belongs to another sort: start again."]}
            )
        return kept["after"]

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_param, self.next_cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page; null on the last.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: the cursor in the previous page's `next`.",
                "schema": {"type": "string"},
            },
            {
                "name": self.size_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page: {self.page_size} unless asked, at most "
                f"{self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
