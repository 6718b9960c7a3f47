"""`manage.py convert_values`: work out every deal's value in constant US dollars again, after
an upgrade of the exchange rates (`currencyconverter`) or of the price index
(`manage.py update_cpi`), or after `loaddata`, which stores records without their clean(); and,
after `loaddata`, each year of delivery's share of its deal's TIV (`Delivery.tiv`)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from dashboard import money
from dashboard.cache import data_changed
from dashboard.models import Deal
from dashboard.services import delivery_tiv_update

FIELDS = ["value_usd_constant", "value_usd_base_year", "value_unconverted"]
BATCH = 1000


class Command(BaseCommand):
    help = "Convert every deal's value into constant US dollars of the latest CPI year again."

    def handle(self, *args, **options):
        changed = []
        with transaction.atomic():
            deals = Deal.objects.only("value_amount", "value_currency", "signed", *FIELDS)
            for deal in deals.iterator(chunk_size=BATCH):
                before = [getattr(deal, name) for name in FIELDS]
                deal.value_convert()
                if [getattr(deal, name) for name in FIELDS] != before:
                    changed.append(deal)
            Deal.objects.bulk_update(changed, FIELDS, batch_size=BATCH)
            shared = delivery_tiv_update()
        # Only a change drops the cached pages: a run over data already right keeps them.
        if not (changed or shared):
            self.stdout.write("Nothing changed.")
            return
        data_changed()
        self.stdout.write(
            f"{len(changed)} deal(s) changed; values in {money.base_year()} US dollars; "
            f"{shared} year(s) of delivery given their share of their deal's TIV."
        )
