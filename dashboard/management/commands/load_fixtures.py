"""`manage.py load_fixtures PATH ...`: check fixture files whole, then load only what changed.

Exit status: 0 loaded (or nothing to change), 1 a problem with the files (nothing written),
75 (EX_TEMPFAIL) the database was busy with another writer (nothing written; try again)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from dashboard.loading import LoadResult, fixture_load
from dashboard.loading.reading import SUFFIX_HELP

EXIT_BUSY = 75  # sysexits.h EX_TEMPFAIL: try again later


class Command(BaseCommand):
    help = (
        "Load fixture files (JSON, JSON Lines, YAML; natural keys). Every problem is reported "
        "and nothing is written unless the whole batch is valid; records are matched on their "
        "natural keys, so loading again changes only what differs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help=f"files ({SUFFIX_HELP}) or folders"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and compare, but write nothing"
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="json: print one JSON document and nothing else (with -v 2, the changes too)",
        )

    def handle(self, *args, paths, dry_run, format, verbosity, **options):
        show_progress = format == "text" and verbosity > 0 and sys.stderr.isatty()
        result = fixture_load(
            paths=paths,
            dry_run=dry_run,
            with_changes=verbosity >= 2,
            progress=self._progress if show_progress else None,
        )
        if show_progress:
            sys.stderr.write("\r\033[K")
        if format == "json":
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        else:
            self._text_write(result, verbosity=verbosity)
        if result.busy:
            raise CommandError(result.summary(), returncode=EXIT_BUSY)
        if result.errors:
            raise CommandError(result.summary())

    def _progress(self, stage: str, records: int) -> None:
        sys.stderr.write(f"\r{stage}: {records:,} records")
        sys.stderr.flush()

    def _text_write(self, result: LoadResult, *, verbosity: int) -> None:
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors or verbosity == 0:
            return
        for change in result.changes or []:
            for line in change.lines():
                self.stdout.write(line)
        if result.counts:
            self.stdout.write(result.table())
        self.stdout.write(result.summary())
