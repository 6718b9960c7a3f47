"""Loading fixture files: validate everything, then write only what changed, fast.

`fixture_load(paths=...)` reads Django's fixture format (JSON, YAML) and JSON Lines, with
natural keys. Pass 1 (checking.py) streams every file, collects every problem and keeps the
converted records on disk (spill.py); only when there are none does pass 2 (writing.py) stream
those and write, inside one transaction, in batches. On PostgreSQL pass 2 starts while pass 1
goes on, in a transaction that commits only if pass 1 finds nothing (streaming.py). The
`load_fixtures` command and the admin's "Load fixtures" page both call it.

Loading follows loaddata's meaning of a record: it is the whole record, so a field left out
gets its default; a many-to-many field left out is left as it is, and one given is set
exactly. Values the model's clean() normalises (currency codes) are stored normalised, as the
admin stores them. Nothing is ever deleted but many-to-many links a record no longer lists.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from dashboard import cache
from dashboard.loading.checking import batch_check
from dashboard.loading.reading import FixtureFile, fixture_files
from dashboard.loading.result import Change, FixtureError, LoadResult, ModelCounts
from dashboard.loading.spill import RecordSpill
from dashboard.loading.streaming import StreamWriter, streaming_possible
from dashboard.loading.writing import LoadInterrupted, batch_write

__all__ = ["Change", "FixtureError", "LoadResult", "ModelCounts", "fixture_load", "records_load"]


def fixture_load(
    *,
    paths: Sequence[str | Path],
    dry_run: bool = False,
    with_changes: bool = False,
    names: Mapping[str, str] | None = None,
    progress: Callable[[str, int], None] | None = None,
    write_while_checking: bool = False,
) -> LoadResult:
    """Check the fixture files at `paths` (files or folders) and, unless there is a problem or
    this is a dry run, load them. `names` maps a path to the name messages give it;
    `progress(stage, records)` is called every thousand records. With `write_while_checking`,
    on PostgreSQL, a writer process writes while the files are checked (streaming.py)."""
    result = LoadResult(dry_run=dry_run)
    files, problems = fixture_files(paths=paths, names=names)
    result.errors = [FixtureError(path=path, message=message) for path, message in problems]
    if result.errors:
        return result
    stream = None
    if write_while_checking and streaming_possible(dry_run=dry_run):
        stream = StreamWriter(files=files, with_changes=with_changes)
    try:
        checked = batch_check(files=files, progress=progress, sink=stream.add if stream else None)
    except BaseException:
        if stream is not None:
            stream.abandon()
        raise
    result.records = checked.records
    result.errors = checked.errors
    if result.errors:
        if stream is not None:
            stream.abandon()
        return result
    try:
        outcome = stream.finish() if stream is not None else None
        if outcome is not None:
            result.counts, result.changes = outcome
            result.written_while_checking = True
        else:
            result.writer_error = stream.error if stream is not None else None
            result.counts, result.changes = _write(
                files=files,
                spill=checked.spill,
                file_ranks=checked.file_ranks,
                dry_run=dry_run,
                with_changes=with_changes,
                progress=progress,
            )
    except (LoadInterrupted, DatabaseError) as error:
        message = f"Nothing was written: {error}".rstrip(".") + "."
        result.errors = [FixtureError(path=", ".join(f.name for f in files), message=message)]
        return result
    finally:
        checked.spill.close()
    if result.changed and not dry_run:
        cache.data_changed()
    return result


def records_load(
    *,
    records: Iterable[Mapping[str, Any]] | Iterable[tuple[int, Mapping[str, Any]]],
    name: str,
    dry_run: bool = False,
    with_changes: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> LoadResult:
    """Check and load records given directly (an importer's), as fixture_load() loads a
    file's: each a fixture-format dict with natural keys, or every one a pair (line, dict) so
    that messages name the line it came from. `name` stands for the file in messages.

    The records go through a temporary JSON Lines file, the same checks and write path."""
    lines: list[int] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.jsonl"
        with open(path, "w", encoding="utf-8") as stream:
            for item in records:
                if isinstance(item, tuple):
                    line, item = item  # noqa: PLW2901
                    lines.append(line)
                stream.write(json.dumps(item, ensure_ascii=False, default=str))
                stream.write("\n")
        result = fixture_load(
            paths=[path],
            dry_run=dry_run,
            with_changes=with_changes,
            names={str(path): name},
            progress=progress,
        )
    if lines:
        result.errors = [_line_given(error, lines) for error in result.errors]
    return result


def _line_given(error: FixtureError, lines: list[int]) -> FixtureError:
    if error.record is None or not 0 < error.record <= len(lines):
        return error
    return dataclasses.replace(error, record=None, line=lines[error.record - 1])


def _write(
    *,
    files: list[FixtureFile],
    spill: RecordSpill,
    file_ranks: dict[int, set[int]],
    dry_run: bool,
    with_changes: bool,
    progress: Callable[[str, int], None] | None,
) -> tuple[dict[str, ModelCounts], list[Change] | None]:
    arguments = dict(
        files=files,
        spill=spill,
        file_ranks=file_ranks,
        dry_run=dry_run,
        with_changes=with_changes,
        progress=progress,
    )
    if dry_run:
        return batch_write(**arguments)
    with transaction.atomic():
        return batch_write(**arguments)
