"""Lost edits: the version of a record an editor started from, compared when they save.

A record's version is its latest history row (django-simple-history writes one for every save,
in the admin, the API and the loader alike, so no model needs a version column and a load
counts as a change). The admin's change form carries the version it showed in a hidden field,
the API's changes and deletes the version in their If-Match header (from the ETag a read
gave; one without it is refused, 428); a save from an older version is refused with what
changed since, by whom, and the editor's own changes are kept to apply again.
django-concurrency would add a version field to every model and its history, and the loader's
bulk writes would not bump it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.text import Truncator

VERSION_FIELD = "_edit_version"


def record_version(instance: models.Model) -> int:
    """The id of the record's latest history row; 0 when it has none."""
    if instance.pk is None:
        return 0
    latest = instance.history.order_by("-history_id").values_list("history_id", flat=True)
    return latest.first() or 0


@dataclass(frozen=True)
class EditConflict:
    version: int  # the record's version now
    changes: tuple[tuple[str, str, str], ...]  # (field, then, now), as shown
    by: str
    when: str
    values: tuple[tuple[str, object, object], ...] = ()  # (field, then, now), as stored

    def message(self, *, label: str) -> str:
        changed = "; ".join(f"{name} {old} → {new}" for name, old, new in self.changes)
        return (
            f"Someone else saved this {label} after you opened it ({self.by}, {self.when}): "
            f"{changed or 'its history holds no earlier version to compare'}. Nothing was "
            "saved, and your changes "
            "are still here: check them against these, then save again."
        )

    def as_json(self) -> dict:
        return {
            "version": self.version,
            "by": self.by,
            "when": self.when,
            "changes": [{"field": n, "then": o, "now": v} for n, o, v in self.changes],
        }


def edit_conflict(instance: models.Model, started_from) -> EditConflict | None:
    """None when `started_from` (a version, as given) is the record's version now; otherwise
    what changed since, as far as the history holds the version it started from."""
    current = record_version(instance)
    try:
        started = int(started_from)
    except (TypeError, ValueError):
        started = -1
    if started == current:
        return None
    history = instance.history.order_by("history_id")
    then = history.filter(history_id__lte=started).last()  # None: no version to compare with
    now = history.last()
    later = history.filter(history_id__gt=started).select_related("history_user")
    users = {str(row.history_user) if row.history_user else "a load or a script" for row in later}
    changes = values = ()
    if then is not None and now is not None and then.pk != now.pk:
        delta = now.diff_against(then)
        values = tuple((change.field, change.old, change.new) for change in delta.changes)
        changes = tuple((name, _shown(old), _shown(new)) for name, old, new in values)
    when = timezone.localtime(now.history_date).strftime("%Y-%m-%d %H:%M") if now else "?"
    return EditConflict(
        version=current,
        changes=changes,
        by=", ".join(sorted(users)) or "?",
        when=when,
        values=values,
    )


def _shown(value) -> str:
    return "—" if value in (None, "") else Truncator(str(value)).chars(60)
