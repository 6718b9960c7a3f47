"""Set-ups that most tests share (the India–Russia data), built for real once per test process
and replayed after: the rows the first build wrote, written again with one insert per table.

Building the India–Russia data runs `loaddata` (which looks up every natural key and moves the
data version once per record), `convert_values` and a few `create()` calls: 0.3 to 0.5 s on a
shared two-core machine, for each of about a thousand tests. Replaying its rows takes a few
milliseconds, and leaves the database as the build left it: the same rows, ids and history.

A replay is only used where the tables the build writes hold what they held when it was
recorded (as many rows, the same highest id), so that its ids cannot collide with rows a test
made first; anywhere else the set-up is built for real, as before. A replay ends with a new
data version (dashboard/cache.py), as the build does, so that nothing cached for one test is
read by the next.
"""

from collections.abc import Callable

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, Max

from dashboard.cache import data_changed

Rows = dict[object, tuple]


def _models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _columns(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _rows(model) -> Rows:
    return {row[0]: row for row in model._base_manager.values_list("pk", *_columns(model))}


def _state(models) -> dict:
    """How many rows each table holds, and its highest id."""
    return {
        model: tuple(model._base_manager.aggregate(n=Count("pk"), top=Max("pk")).values())
        for model in models
    }


class Replay:
    """`build()` run for real the first time, recorded, and replayed by the next calls."""

    def __init__(self, build: Callable[[], None]):
        self.build = build
        self.state = None  # the written tables' state before the recorded build
        self.inserted = {}  # model -> rows the build inserted
        self.updated = {}  # model -> rows the build changed (the data version's)

    def __call__(self) -> None:
        if self.state is None:
            self._record()
        elif _state(self.state) == self.state:
            self._replay()
        else:
            self.build()

    def _record(self) -> None:
        before = {model: _rows(model) for model in _models()}
        self.build()
        for model, old in before.items():
            new = _rows(model)
            if old.keys() - new.keys():
                raise ValueError(f"{self.build.__name__} deletes {model.__name__} rows")
            inserted = [row for pk, row in new.items() if pk not in old]
            updated = [row for pk, row in new.items() if pk in old and old[pk] != row]
            if inserted:
                self.inserted[model] = inserted
            if updated:
                self.updated[model] = updated
        self.state = {
            model: (len(before[model]), max(before[model], default=None))
            for model in self.inserted.keys() | self.updated.keys()
        }

    def _replay(self) -> None:
        with transaction.atomic():
            for model, rows in self.inserted.items():
                names = _columns(model)
                model._base_manager.bulk_create(
                    [model(**dict(zip(names, row[1:], strict=True))) for row in rows]
                )
            for model, rows in self.updated.items():
                names = _columns(model)
                for row in rows:
                    values = dict(zip(names, row[1:], strict=True))
                    model._base_manager.filter(pk=row[0]).update(**values)
            # PostgreSQL's sequences did not see the ids written here; SQLite's do.
            sql = connection.ops.sequence_reset_sql(no_style(), list(self.inserted))
            if sql:
                with connection.cursor() as cursor:
                    for statement in sql:
                        cursor.execute(statement)
            # A new data version, as the build wrote one: what a process holds for the recorded
            # version (dashboard.selectors' tallies) is not this test's.
            data_changed()
