"""Who may do what through the API: the site's rules for reading, the admin's for writing.

Reading is open unless DASHBOARD_LOGIN_REQUIRED is on; then it takes a login or a token.
Writing takes what the admin takes: a staff user whose groups give the model permission
(Editors add and change, Maintainers also delete; migration 0004), or a superuser.
"""

from django.conf import settings
from rest_framework import permissions


def may_read(user) -> bool:
    return user.is_authenticated or not settings.DASHBOARD_LOGIN_REQUIRED


class AdminRules(permissions.DjangoModelPermissions):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return may_read(request.user)
        if not (request.user.is_authenticated and request.user.is_staff):
            return False
        return super().has_permission(request, view)


class SiteReaders(permissions.BasePermission):
    """Reading only: the analyses and the schema."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS and may_read(request.user)
