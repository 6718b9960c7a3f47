"""Template filters that state durations as people read them."""

import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(duration: timedelta | None) -> int:
    """Whole minutes, rounded up, so that a wait is never shorter than the page says."""
    if duration is None:
        return 0
    return math.ceil(duration.total_seconds() / 60)
