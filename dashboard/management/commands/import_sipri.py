"""`manage.py import_sipri FILE`: import SIPRI's trade-register export, checked whole first."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from dashboard.register.importing import RegisterImport, register_import


class Command(BaseCommand):
    help = (
        "Import a CSV export of the SIPRI Arms Transfers Database's trade register: one deal "
        "per row, each citing the export. The whole file is checked first; every problem is "
        "reported with its line and nothing is written unless all is well. Importing the same "
        "file again changes nothing; a newer export updates the same deals."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the register as SIPRI exports it (CSV)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and compare, but write nothing"
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="json: print one JSON document and nothing else (with -v 2, the changes too)",
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="delete the deals an earlier export listed and this one no longer does "
            "(unless other sources cite them)",
        )

    def handle(self, *args, file, dry_run, format, prune, verbosity, **options):
        show_progress = format == "text" and verbosity > 0 and sys.stderr.isatty()
        outcome = register_import(
            path=file,
            name=file,
            dry_run=dry_run,
            with_changes=verbosity >= 2,
            prune=prune,
            progress=self._progress if show_progress else None,
        )
        if show_progress:
            sys.stderr.write("\r\033[K")
        if format == "json":
            self.stdout.write(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
        else:
            self._text_write(outcome, verbosity=verbosity)
        if outcome.errors:
            raise CommandError(outcome.load.summary())

    def _progress(self, stage: str, records: int) -> None:
        sys.stderr.write(f"\r{stage}: {records:,} records")
        sys.stderr.flush()

    def _text_write(self, outcome: RegisterImport, *, verbosity: int) -> None:
        result = outcome.load
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors or verbosity == 0:
            return
        for change in result.changes or []:
            for line in change.lines():
                self.stdout.write(line)
        for notice in outcome.notices():
            self.stdout.write(notice)
        if result.counts:
            self.stdout.write(result.table())
        self.stdout.write(f"{outcome.rows:,} register rows, cited as source “{outcome.source}”.")
        self.stdout.write(result.summary())
