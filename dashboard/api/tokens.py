"""API tokens in the admin: every staff user makes and revokes their own (Auth Token → Tokens);
a superuser may also make one for any user, say a reader of a dashboard that needs a login.

DRF's own token admin lets whoever may add a token choose its user, which would let an editor
make a token for a superuser and act as one. Here a user other than a superuser sees, makes and
deletes only their own token, and never picks its user.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from rest_framework.authtoken.admin import TokenAdmin as DRFTokenAdmin
from rest_framework.authtoken.models import Token, TokenProxy


class OwnTokenForm(forms.ModelForm):
    """The add form of a user who is not a superuser: nothing to fill in."""

    owner = None  # set by the admin to the signed-in user

    class Meta:
        model = TokenProxy
        fields = []

    def clean(self):
        if Token.objects.filter(user=self.owner).exists():
            raise ValidationError("You have a token already: delete it to make a new one.")
        return super().clean()


class TokenAdmin(DRFTokenAdmin):
    list_display = ("key", "user", "created")

    def get_queryset(self, request):
        tokens = super().get_queryset(request).select_related("user")
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("key", "user", "created")
        return ("user",) if request.user.is_superuser else ()

    def get_readonly_fields(self, request, obj=None):
        return ("key", "user", "created") if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if request.user.is_superuser:
            return super().get_form(request, obj, change=change, **kwargs)
        return type("OwnTokenForm", (OwnTokenForm,), {"owner": request.user})

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.user = request.user
        super().save_model(request, obj, form, change)

    # Every staff user (the admin lets in no one else) keeps their own token; a token is never
    # changed, only revoked and made anew.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and self.owns(request, obj)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request) and self.owns(request, obj)

    @staticmethod
    def owns(request, token) -> bool:
        return token is None or request.user.is_superuser or token.user_id == request.user.pk


def register(site: admin.AdminSite) -> None:
    """Put this admin in place of DRF's for tokens."""
    if site.is_registered(TokenProxy):
        site.unregister(TokenProxy)
    site.register(TokenProxy, TokenAdmin)
