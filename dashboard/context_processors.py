"""Template context every page gets."""

from django.conf import settings
from django.utils.functional import lazy

from dashboard.cache import page_variant


def page_cache(request):
    """What the pages' {% cache %} blocks need: how long to keep a rendered block, and what it
    depends on (the data version and the address), worked out only when a block asks."""
    return {
        "page_cache_seconds": settings.DASHBOARD_PAGE_CACHE_SECONDS,
        "page_variant": lazy(page_variant, str)(request),
    }
