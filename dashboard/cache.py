"""Caching of what is computed from the data (figures, counts, rendered pieces of pages),
dropped whenever any record changes.

Cached values are keyed by the data version, a random token in the database (one row,
`DataVersion`), replaced on every change: admin and API edits through model signals, the
fixture loader and the synthetic-data generator by calling `data_changed()`. Every server
process reads it from the database, once a request, so a load from the command line is seen by
every process at once, whatever cache each one has. A token rather than a counter, so that an
evicted version can never bring old entries back.

Pages cache their content in their templates (`{% cache page_cache_seconds content
page_variant %}`, dashboard/context_processors.py); views put lazy values in the context, so
that a cached page computes nothing, and need not know the templates' cache keys.
"""

import functools
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from asgiref.local import Local
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

TIMEOUT = 60 * 60

# The version read during the current request, so that it is read once a request.
_request = Local()


def data_version() -> str:
    version = getattr(_request, "version", None)
    if version is None:
        from dashboard.models import DataVersion

        version = DataVersion.objects.filter(pk=1).values_list("token", flat=True).first()
        if version is None:
            version = DataVersion.objects.get_or_create(
                pk=1, defaults={"token": uuid.uuid4().hex}
            )[0].token
        if getattr(_request, "active", False):
            _request.version = version
    return version


def data_changed(**_signal_kwargs) -> None:
    """Forget everything cached that was computed from the data. Inside a transaction, the new
    version is written with the change, and rolled back with it."""
    from dashboard.models import DataVersion

    version = uuid.uuid4().hex
    if not DataVersion.objects.filter(pk=1).update(token=version):
        DataVersion.objects.update_or_create(pk=1, defaults={"token": version})
    if getattr(_request, "active", False):
        _request.version = version


class DataVersionMiddleware:
    """Reads the data version at most once a request (and forgets it after)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _request.active, _request.version = True, None
        try:
            return self.get_response(request)
        finally:
            _request.active, _request.version = False, None


def cached(name: str, compute: Callable[[], Any], *, timeout: int = TIMEOUT) -> Any:
    """`compute()`'s result for the current data, from the cache when it is there."""
    return cache.get_or_set(f"dashboard:{name}:{data_version()}", compute, timeout)


def lazy(compute: Callable[[], Any]) -> Callable[[], Any]:
    """`compute`, worked out when a template first reads it, and only once. In a page's
    context, a value the template's cached content holds is then never computed on a cache
    hit (templates call what they are given)."""
    return functools.cache(compute)


def page_variant(request) -> str:
    """What a cached piece of a page depends on: the data, the page and all its parameters.
    Every parameter counts, since the page's links (sorting, pages, exports) repeat them."""
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    return f"{data_version()}|{request.path}|{query}"


def _migrated(**_signal_kwargs) -> None:
    # A deployment runs migrate: pages rendered by the previous code are dropped with the data.
    # (Not when migrating back past the version's table.)
    if "dashboard_dataversion" in connection.introspection.table_names():
        data_changed()


def connect_signals(models) -> None:
    """Every save, delete and many-to-many change of these models invalidates the cache."""
    for model in models:
        if model._meta.label_lower == "dashboard.dataversion":
            continue
        uid = f"dashboard-cache-{model._meta.label_lower}"
        post_save.connect(data_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                data_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
            )
    post_migrate.connect(_migrated, dispatch_uid="dashboard-cache-migrate")
