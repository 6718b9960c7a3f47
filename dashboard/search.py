"""Free-text search: PostgreSQL full-text search with GIN indexes, a simple fallback elsewhere;
and names matched as people type them.

On PostgreSQL, words are matched as the English text-search configuration stems them
("remarkably" finds "remarkable"); on SQLite, as case-insensitive substrings.

Names of platforms and their aliases are matched ignoring case, hyphens (and the other dashes),
spaces and dots: "S400", "S 400" and "s.400" all find the S-400. Both sides go through the same
normalisation: `name_key()` in Python for what the user typed, the `normalised` transform in SQL
for the column, built from LOWER and REPLACE, which every database has. Nothing is stored, so no
way of writing a record (the admin, the API, the loader's bulk inserts, the generator, the
register import) has to keep a copy up to date. On PostgreSQL a trigram index on the same
expression (migration 0013) serves the substring match at scale; SQLite has no index for a
substring, and reads the names (a few thousand short ones at scale 1).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import CharField, Q, QuerySet, Transform, Value
from django.db.models.functions import Lower, Replace

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


def text_search(
    queryset: QuerySet, *, value: str, fields: list[str], also: Q | None = None
) -> QuerySet:
    """Records whose full text matches `value`; `fields` are also searched as substrings on
    databases without full-text search, and always for fields outside the full text. Records
    meeting `also` (a statement's speaker by that name) are found too."""
    model_name = queryset.model._meta.model_name
    covered = FULL_TEXT.get(model_name, ()) if uses_full_text(queryset) else ()
    condition = also or Q()
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


# --- Names, matched as people type them --------------------------------------------------------

# Characters a name is compared without: white space people type, dots, and every dash.
IGNORED_IN_NAMES = (" ", "\u00a0", ".", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014")


def name_key(text: str) -> str:
    """`text` as names are compared: lower case, without the ignored characters."""
    text = text.lower()
    for char in IGNORED_IN_NAMES:
        text = text.replace(char, "")
    return text


@CharField.register_lookup
class Normalised(Transform):
    """`name__normalised`: the column as name_key() gives it, computed by the database."""

    lookup_name = "normalised"
    output_field = CharField()

    def as_sql(self, compiler, connection):
        expression = Lower(self.lhs)
        for char in IGNORED_IN_NAMES:
            expression = Replace(expression, Value(char), Value(""))
        return compiler.compile(expression)


def name_contains(path: str, value: str) -> Q:
    """`path` (a name, or a path to one) contains `value` as name_key() compares them; a value
    made only of ignored characters is matched as typed."""
    key = name_key(value)
    if not key:
        return Q(**{f"{path}__icontains": value})
    return Q(**{f"{path}__normalised__contains": key})


# The names matched that way, by model: platforms' names and their aliases'.
NORMALISED_NAMES = {("platform", "name"), ("platformalias", "name")}


def name_index_sql(model_name: str, field: str) -> tuple[str, str]:
    """CREATE and DROP of the trigram index (PostgreSQL) serving name_contains() on a
    normalised name: the expression as the Normalised transform writes it, so the planner
    recognises it in a query."""
    expression = f'LOWER("{field}")'
    for char in IGNORED_IN_NAMES:
        expression = f"REPLACE({expression}, '{char}', '')"
    name = f"{model_name}_{field}_key_idx"
    return (
        f'CREATE INDEX "{name}" ON "dashboard_{model_name}" '
        f"USING gin (({expression}) gin_trgm_ops)",
        f'DROP INDEX "{name}"',
    )
