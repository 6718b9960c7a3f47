"""The project's middleware.

DatabaseUnavailableMiddleware turns a database the site cannot reach into a "service unavailable"
page. Without it a lost database connection is a server error: a 500 that says nothing useful to
the reader and, with debug on, a stack trace. The 503 page says the service is down for a while
and names nothing about the set-up; the details go to the log.

LoginRequiredMiddleware, on when DASHBOARD_LOGIN_REQUIRED is, makes every page need a login.
"""

import logging

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.db.utils import DatabaseError, DataError, IntegrityError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60


class DatabaseUnavailableMiddleware:
    """Answer 503 with a Retry-After header when a view or its template cannot use the database:
    refused, timed out, locked, closed, or a file that is not a database. A refused value
    (IntegrityError, DataError) is the request's fault or a bug, and stays a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        unavailable = isinstance(exception, DatabaseError) and not isinstance(
            exception, IntegrityError | DataError
        )
        if not unavailable or settings.DEBUG:
            # With debug on, the developer wants the technical page.
            return None
        logger.error(
            "Database unavailable while serving %s %s",
            request.method,
            request.path,
            exc_info=exception,
        )
        # Rendered without the request: context processors may need the database too.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's, but every admin page sends a visitor to the admin's own sign-in page.

    In Django 5.2 the admin's site-wide pages name their sign-in page for this middleware, but a
    model's admin pages do not, so they would send staff to the readers' sign-in page instead.
    """

    def get_login_url(self, view_func):
        model_admin = getattr(view_func, "model_admin", None)
        if model_admin is not None:
            return reverse("admin:login", current_app=model_admin.admin_site.name)
        return super().get_login_url(view_func)
