"""The groups' permissions on models that a migration adds (README, "Who may do what").

Migration 0004 gave the groups their permissions on the first models, and 0006 "view" on their
history. A migration that adds a model calls `grants(...)` so that Viewers see it, Editors also
add and change it, Maintainers also delete it, and every group reads, nobody writes, its history.
Django creates permissions only after `migrate` finishes, so they are created here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ACTIONS = {
    "Viewers": ("view",),
    "Editors": ("view", "add", "change"),
    "Maintainers": ("view", "add", "change", "delete"),
}


def _codenames(group, model_names):
    for model in model_names:
        yield from (f"{action}_{model}" for action in ACTIONS[group])
        yield f"view_historical{model}"


def grants(*model_names):
    """A RunPython operation granting the groups their permissions on `model_names`."""

    def grant(apps, schema_editor):
        using = schema_editor.connection.alias
        dashboard = apps.get_app_config("dashboard")
        # create_permissions() skips an app without a models module, as the migration state's are.
        models_module = getattr(dashboard, "models_module", None)
        dashboard.models_module = models_module or True
        try:
            create_permissions(dashboard, apps=apps, verbosity=0, using=using)
        finally:
            dashboard.models_module = models_module
        _apply(apps, using, model_names, add=True)

    def revoke(apps, schema_editor):
        _apply(apps, schema_editor.connection.alias, model_names, add=False)

    return migrations.RunPython(grant, revoke)


def _apply(apps, using, model_names, *, add):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.using(using).filter(name__in=ACTIONS):
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="dashboard",
            codename__in=list(_codenames(group.name, model_names)),
        )
        (group.permissions.add if add else group.permissions.remove)(*permissions)
