"""Loading fixture files: validate everything, then write only what changed, fast.

`fixture_load(paths=...)` reads Django's fixture format (JSON, YAML) and JSON Lines, with
natural keys; `records_load(records=..., name=...)` takes such records directly (an
importer's). Pass 1 (checking.py) streams every file, collects every problem and keeps the
converted records on disk (spill.py); only when there are none does pass 2 (writing.py) stream
those and write, inside one transaction, in batches. The `load_fixtures` command and the
admin's "Load fixtures" page both call it.

Loading follows loaddata's meaning of a record: it is the whole record, so a field left out
gets its default; a many-to-many field left out is left as it is, and one given is set
exactly. Values the model's clean() normalises (currency codes) are stored normalised, as the
admin stores them. Nothing is ever deleted but many-to-many links a record no longer lists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from dashboard import cache
from dashboard.loading.checking import batch_check
from dashboard.loading.reading import FixtureFile, Limits, RecordStream, fixture_files
from dashboard.loading.result import Change, FixtureError, LoadResult, ModelCounts
from dashboard.loading.writing import LoadInterrupted, batch_write

__all__ = [
    "Change",
    "FixtureError",
    "Limits",
    "LoadResult",
    "ModelCounts",
    "fixture_load",
    "records_load",
]

Progress = Callable[[str, int], None]


def fixture_load(
    *,
    paths: Sequence[str | Path],
    dry_run: bool = False,
    with_changes: bool = False,
    names: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> LoadResult:
    """Check the fixture files at `paths` (files or folders) and, unless there is a problem or
    this is a dry run, load them. `names` maps a path to the name messages give it;
    `progress(stage, records)` is called every thousand records; `limits` are the settings'
    (Limits.from_settings()) unless given."""
    files, problems = fixture_files(paths=paths, names=names)
    if problems:
        result = LoadResult(dry_run=dry_run)
        result.errors = [FixtureError(path=path, message=message) for path, message in problems]
        return result
    reason = "load_fixtures " + " ".join(file.name for file in files)
    return _load(
        sources=files,
        dry_run=dry_run,
        with_changes=with_changes,
        progress=progress,
        reason=reason,
        limits=limits or Limits.from_settings(),
    )


def records_load(
    *,
    records: Iterable[Mapping[str, Any]] | Iterable[tuple[int, Mapping[str, Any]]],
    name: str,
    dry_run: bool = False,
    with_changes: bool = False,
    progress: Progress | None = None,
    reason: str | None = None,
) -> LoadResult:
    """Check and load records given directly, as fixture_load() loads a file's: each a
    fixture-format dict with natural keys (`{"model": "dashboard.deal", "fields": {...}}`),
    or, for messages that name the line a record came from, every one a pair (line, dict).
    `name` stands for the file in messages; `reason` goes into each history row (by default
    `name`). The records are read once, as they come."""
    return _load(
        sources=[RecordStream(records, name)],
        dry_run=dry_run,
        with_changes=with_changes,
        progress=progress,
        reason=name if reason is None else reason,
        limits=Limits.from_settings(),
    )


def _load(
    *,
    sources: list[FixtureFile | RecordStream],
    dry_run: bool,
    with_changes: bool,
    progress: Progress | None,
    reason: str,
    limits: Limits,
) -> LoadResult:
    result = LoadResult(dry_run=dry_run)
    checked = batch_check(files=sources, progress=progress, limits=limits)
    result.records = checked.records
    result.errors = checked.errors
    result.errors_more = checked.errors_more
    if result.errors:
        return result
    try:
        with transaction.atomic() if not dry_run else contextlib.nullcontext():
            result.counts, result.changes = batch_write(
                spill=checked.spill,
                file_ranks=checked.file_ranks,
                dry_run=dry_run,
                with_changes=with_changes,
                reason=reason,
                progress=progress,
            )
    except (LoadInterrupted, DatabaseError) as error:
        message = f"Nothing was written: {error}".rstrip(".") + "."
        path = ", ".join(source.name for source in sources)
        result.errors = [FixtureError(path=path, message=message)]
        return result
    finally:
        checked.spill.close()
    if result.changed and not dry_run:
        cache.data_changed()
    return result
