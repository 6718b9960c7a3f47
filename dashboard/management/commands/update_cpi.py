"""`manage.py update_cpi`: rewrite the US consumer price index the constant dollars use
(dashboard/data/us_cpi_u.csv) from the `cpi` package, then `manage.py convert_values`.

The `cpi` package is not a dependency of the site: it brings pandas and a 60 MB database, and
looks for newer data when imported. It is installed only to run this (`pip install -U cpi`).
"""

import csv
import warnings

from django.core.management.base import BaseCommand, CommandError

from dashboard import money


class Command(BaseCommand):
    help = "Rewrite the CPI-U annual averages (BLS series CUUR0000SA0) from the cpi package."

    def handle(self, *args, **options):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # its warning that the data is old
                import cpi
                from cpi.errors import CPIObjectDoesNotExist
        except ImportError:
            raise CommandError("The cpi package is not installed: pip install -U cpi") from None
        rows = []
        for year in range(1913, cpi.LATEST_YEAR + 1):
            try:
                rows.append((year, cpi.get(year, series_id=cpi.DEFAULT_SERIES.id)))
            except CPIObjectDoesNotExist:
                continue
        with money.CPI_FILE.open("w", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(["year", "cpi_u"])
            writer.writerows(rows)
        self.stdout.write(
            f"{len(rows)} years, {rows[0][0]} to {rows[-1][0]}, written to {money.CPI_FILE.name}. "
            "Now run manage.py convert_values."
        )
