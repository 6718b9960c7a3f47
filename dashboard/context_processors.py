"""Template context every page gets."""

import uuid

from django.conf import settings
from django.utils.functional import lazy

from dashboard.cache import page_variant


def page_cache(request):
    """What the pages' {% cache %} blocks need: how long to cache a rendered block, and what it
    depends on (the data version and the address), worked out only when a block asks. With
    caching turned off, every view gets a variant of its own, so no block cached earlier (before
    the setting changed) is served either."""
    seconds = settings.DASHBOARD_PAGE_CACHE_SECONDS
    variant = page_variant if seconds else lambda _request: uuid.uuid4().hex
    return {"page_cache_seconds": seconds, "page_variant": lazy(variant, str)(request)}
