"""One picture of the database for tests that compare before and after: every dashboard
record by natural key, independent of ids and of order, its many-to-many links included; with
`history`, every historical record too."""

import json
from io import StringIO

from django.apps import apps
from django.core import serializers
from django.core.management import call_command


def database_snapshot(*, history: bool = False) -> list[str]:
    models = [
        model
        for model in apps.get_app_config("dashboard").get_models()
        # Records have a history; historical records have an instance type. (The data
        # version behind the cache is neither.)
        if hasattr(model, "history") or (history and hasattr(model, "instance_type"))
    ]
    records = serializers.serialize(
        "python",
        (record for model in models for record in model._default_manager.all()),
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )
    normalised = []
    for record in records:
        fields = {
            # Many-to-many lists come in no particular order.
            name: sorted(value, key=str) if isinstance(value, list) else value
            for name, value in record["fields"].items()
        }
        normalised.append(json.dumps({**record, "fields": fields}, sort_keys=True, default=str))
    return sorted(normalised)


def loaddata(fixture) -> None:
    """Django's `loaddata`, then `convert_values`: `loaddata` writes the file's fields as they
    are, and a deal's value in constant dollars, which clean() stores, is not among them."""
    call_command("loaddata", str(fixture), verbosity=0)
    call_command("convert_values", stdout=StringIO())
