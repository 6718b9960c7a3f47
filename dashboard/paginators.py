"""Counting without paying for an exact COUNT(*) over large sets.

Counts stop at `COUNT_CAP`: past it a page says "more than 10,000" instead of scanning a
million rows on every view.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """The number of rows, or cap + 1 when there are more than `cap`."""
    return queryset[: cap + 1].count()


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
