"""Finding rows by natural key in batches: one query per model per few thousand keys."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from django.db.models import QuerySet

from dashboard.loading.schema import Key, ModelSpec

KEYS_PER_QUERY = 2000
T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def key_queryset(spec: ModelSpec, keys: Sequence[Key]) -> QuerySet:
    """Rows whose natural key is among `keys`, and for composite keys perhaps a few more:
    each part is matched with IN, which an index serves, and callers keep the exact matches."""
    lookups = spec.key_lookups
    return spec.model._default_manager.filter(
        **{f"{lookup}__in": {key[i] for key in keys} for i, lookup in enumerate(lookups)}
    )


def keys_existing(spec: ModelSpec, keys: Iterable[Key]) -> set[Key]:
    found: set[Key] = set()
    for chunk in chunks(keys, KEYS_PER_QUERY):
        wanted = set(chunk)
        rows = key_queryset(spec, chunk).values_list(*spec.key_lookups)
        found |= {key for row in rows if (key := tuple(str(part) for part in row)) in wanted}
    return found


def rows_by_key(
    spec: ModelSpec, keys: Sequence[Key], fields: Sequence[str]
) -> dict[Key, dict[str, Any]]:
    """`fields` of the rows with these natural keys (at most KEYS_PER_QUERY keys per call)."""
    wanted = set(keys)
    lookups = spec.key_lookups
    rows = key_queryset(spec, keys).values(*lookups, *fields)
    found = {}
    for row in rows:
        key = tuple(str(row[lookup]) for lookup in lookups)
        if key in wanted:
            found[key] = row
    return found
