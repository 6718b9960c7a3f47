"""Counting without paying for an exact COUNT(*) over large sets.

Counts stop at `COUNT_CAP`: past it a page says "more than 10,000" instead of scanning a
million rows on every view.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from dashboard.cache import cached
from dashboard.selectors import query_key

COUNT_CAP = 10_000


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """`count_up_to()`, cached for the data's version under the count's own SQL, since
    counting ten thousand rows through a join costs more than the rest of a page, and every
    page and every sort of a list asks the same count."""
    limited = _limited(queryset, cap)
    return cached(f"count:{query_key(limited)}", limited.count)


def count_up_to(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """The number of rows, or cap + 1 when there are more than `cap`, counted now."""
    return _limited(queryset, cap).count()


def _limited(queryset: QuerySet, cap: int) -> QuerySet:
    # Without the queryset's order and computed columns, which change no count and can cost
    # a sort or a subquery per row.
    return queryset.order_by().values("pk")[: cap + 1]


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self):
        # django-tables2 paginates its rows; the queryset sits in their table data.
        queryset = getattr(getattr(self.object_list, "data", None), "data", self.object_list)
        if isinstance(queryset, QuerySet):
            return capped_count(queryset, self.cap)
        return len(self.object_list)

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap
