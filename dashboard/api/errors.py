"""The API's error answers: DRF's own, and a 409 with the reason for a write the database
refuses (a record others rest on, or a key another write took first)."""

from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# At most this many of the records that keep another from being deleted are named.
NAMED = 20


def exception_handler(exc, context):
    if isinstance(exc, ProtectedError | RestrictedError):
        protected = isinstance(exc, ProtectedError)
        blocking = exc.protected_objects if protected else exc.restricted_objects
        names = sorted(f"{obj._meta.verbose_name}: {obj}" for obj in list(blocking)[: NAMED + 1])
        return Response(
            {
                "detail": "Other records rest on this one: change or delete them first.",
                "protected": names[:NAMED],
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": "Another change to the same records came first: read them and try again."},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
