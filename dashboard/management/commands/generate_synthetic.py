"""Fill the database (or a fixture file) with deterministic synthetic data for scale tests."""

import time

from django.core.management.base import BaseCommand, CommandError

from dashboard import synthetic
from dashboard.cache import data_changed


class Command(BaseCommand):
    help = (
        "Generate realistic synthetic data: at --scale 1 about 200 parties, 2,000 platforms, "
        "100,000 deals, 20,000 sources and 1,000,000 statements."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, required=True, help="1 is full size; 0.01 …")
        parser.add_argument("--seed", type=int, default=1, help="the same seed, the same data")
        parser.add_argument(
            "--fixture",
            metavar="FILE",
            help="write the data as a fixture file instead of into the database: a JSON array "
            "when FILE ends in .json, JSON Lines otherwise ('-' for standard output)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete every dashboard record first (otherwise the tables must be empty)",
        )

    def handle(self, *args, scale, seed, fixture, replace, **options):
        if not 0 < scale <= 100:
            raise CommandError("--scale must be greater than 0 and at most 100.")
        started = time.monotonic()
        if fixture:
            counts = self.write_fixture(fixture, scale, seed)
        else:
            counts = self.write_database(scale, seed, replace)
        seconds = time.monotonic() - started
        total = sum(counts.values())
        summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        self.stderr.write(f"Generated {total:,} records in {seconds:.1f} s: {summary}.")

    def write_fixture(self, path, scale, seed):
        if path == "-":
            return synthetic.synthetic_generate(
                scale=scale, seed=seed, sink=synthetic.FixtureSink(self.stdout)
            )
        with open(path, "w", encoding="utf-8") as stream:
            sink = synthetic.FixtureSink(stream, array=path.lower().endswith(".json"))
            return synthetic.synthetic_generate(scale=scale, seed=seed, sink=sink)

    def write_database(self, scale, seed, replace):
        if replace:
            synthetic.dashboard_tables_clear()
        elif not synthetic.dashboard_tables_empty():
            raise CommandError(
                "The dashboard tables already hold records. Use --replace to delete them "
                "first, or --fixture FILE to write a file instead."
            )
        counts = synthetic.synthetic_generate(
            scale=scale, seed=seed, sink=synthetic.DatabaseSink()
        )
        data_changed()
        return counts
