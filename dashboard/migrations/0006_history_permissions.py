"""Let every group read the history of the records (README, "History"); nobody writes it.

History rows are written by django-simple-history as records change, never by hand, so the
groups of migration 0004 get only "view" on the historical models. As in 0004, the permissions
are created here first, since Django creates them only after `migrate` finishes.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Viewers", "Editors", "Maintainers")
HISTORICAL_MODELS = [
    "historicalcontract",
    "historicalcontractsource",
    "historicalcountry",
    "historicalperson",
    "historicalplatform",
    "historicalplatformalias",
    "historicalsource",
    "historicalstatement",
]


def history_view_grant(apps, schema_editor):
    using = schema_editor.connection.alias
    dashboard = apps.get_app_config("dashboard")
    # create_permissions() skips an app without a models module, as the migration state's are.
    models_module = getattr(dashboard, "models_module", None)
    dashboard.models_module = models_module or True
    try:
        create_permissions(dashboard, apps=apps, verbosity=0, using=using)
    finally:
        dashboard.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="dashboard",
        codename__in=[f"view_{model}" for model in HISTORICAL_MODELS],
    )
    for group in Group.objects.using(using).filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def history_view_revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="dashboard",
        codename__in=[f"view_{model}" for model in HISTORICAL_MODELS],
    )
    for group in Group.objects.using(using).filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0005_history"), ("dashboard", "0004_groups")]

    operations = [migrations.RunPython(history_view_grant, history_view_revoke)]
