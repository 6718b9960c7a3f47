"""Free-text search: PostgreSQL full-text search with GIN indexes, a simple fallback elsewhere.

On PostgreSQL, words are matched as the English text-search configuration stems them
("remarkably" finds "remarkable"); on SQLite, as case-insensitive substrings.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Q, QuerySet

CONFIG = "english"
SEARCH_TYPE = "websearch"

# The columns each model's full text covers; the GIN index and the query use the same vector.
FULL_TEXT = {
    "statement": ("text", "excerpt"),
    "source": ("title", "text"),
}


def full_text_vector(model_name: str) -> SearchVector:
    return SearchVector(*FULL_TEXT[model_name], config=CONFIG)


def full_text_indexes() -> list[tuple[str, GinIndex]]:
    return [
        (model_name, GinIndex(full_text_vector(model_name), name=f"{model_name}_fulltext_idx"))
        for model_name in FULL_TEXT
    ]


class UnforeseenSearchQuery(SearchQuery):
    """A search query the planner cannot read ahead, so it takes the match to be rare and
    reads it from the GIN index. Told that a word is in most rows, PostgreSQL would rather read
    every row and compute its vector, a cost it does not count: a third of a millisecond for a
    source's text, so seconds for one search."""

    def as_sql(self, compiler, connection, function=None, template=None):
        sql, params = super().as_sql(compiler, connection, function, template)
        return f"(SELECT {sql})", params


def uses_full_text(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def text_search(queryset: QuerySet, *, value: str, fields: list[str]) -> QuerySet:
    """Records whose full text matches `value`; `fields` are also searched as substrings on
    databases without full-text search, and always for fields outside the full text."""
    model_name = queryset.model._meta.model_name
    covered = FULL_TEXT.get(model_name, ()) if uses_full_text(queryset) else ()
    condition = Q()
    for field in fields:
        if field not in covered:
            condition |= Q(**{f"{field}__icontains": value})
    if not covered:
        return queryset.filter(condition)
    # An alias, not an annotation: the vector is matched through its index, never read.
    vector = queryset.alias(_full_text=full_text_vector(model_name))
    if not condition:
        # Read in the list's order when the words are common, through the index when rare.
        return vector.filter(_full_text=SearchQuery(value, config=CONFIG, search_type=SEARCH_TYPE))
    # Matched apart from the other fields, so the GIN index can serve it.
    query = UnforeseenSearchQuery(value, config=CONFIG, search_type=SEARCH_TYPE)
    return queryset.filter(Q(pk__in=vector.filter(_full_text=query).values("pk")) | condition)
