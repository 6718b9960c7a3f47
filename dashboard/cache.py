"""Caching of figures computed over the whole data set, invalidated whenever any record changes.

Cached values are keyed by a data version, a random token replaced on every change (admin
edits through model signals, the fixture loader and the synthetic-data generator by calling
`data_changed()`), so no one sees stale figures. A token rather than a counter, so that an
evicted version can never bring old entries back.
"""

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

VERSION_KEY = "dashboard:data-version"
TIMEOUT = 60 * 60


def data_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def data_changed(**_signal_kwargs) -> None:
    """Forget everything cached that was computed from the data."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def cached(name: str, compute: Callable[[], Any], *, timeout: int = TIMEOUT) -> Any:
    """`compute()`'s result for the current data, from the cache when it is there."""
    return cache.get_or_set(f"dashboard:{name}:{data_version()}", compute, timeout)


def page_variant(request) -> str:
    """What a cached piece of a page depends on: the data, the page and all its parameters.
    Every parameter counts, since the page's links (sorting, pages, exports) repeat them."""
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    return f"{data_version()}|{request.path}|{query}"


def kept_content(request):
    """The content block of the page at this address, as its template kept it in the cache
    ({% cache page_cache_seconds content page_variant %}), or None."""
    if not settings.DASHBOARD_PAGE_CACHE_SECONDS:
        return None
    return cache.get(make_template_fragment_key("content", [page_variant(request)]))


def connect_signals(models) -> None:
    """Every save, delete and many-to-many change of these models invalidates the cache."""
    for model in models:
        uid = f"dashboard-cache-{model._meta.label_lower}"
        post_save.connect(data_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                data_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
            )
    # A deployment runs migrate: pages rendered by the previous code are dropped with the data.
    post_migrate.connect(data_changed, dispatch_uid="dashboard-cache-migrate")
