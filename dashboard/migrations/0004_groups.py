"""The groups that say who may do what in the admin (README, "Who may do what").

Viewers see every dashboard record; Editors also add and change them (and so may load fixtures);
Maintainers also delete. A user needs "Staff status" as well to reach the admin at all.

Permissions are otherwise created only after `migrate` finishes (post_migrate), so this migration
creates the dashboard's first. Running it again leaves the same groups; reversing it removes them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Viewers": ("view",),
    "Editors": ("view", "add", "change"),
    "Maintainers": ("view", "add", "change", "delete"),
}


def groups_create(apps, schema_editor):
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
    model_names = [model._meta.model_name for model in dashboard.get_models()]
    for name, actions in GROUPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        codenames = [f"{action}_{model}" for action in actions for model in model_names]
        group.permissions.add(
            *Permission.objects.using(using).filter(
                content_type__app_label="dashboard", codename__in=codenames
            )
        )


def groups_remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_full_text_search"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(groups_create, groups_remove)]
