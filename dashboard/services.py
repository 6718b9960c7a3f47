"""The write side that spans models: values stored on one model that are worked out from
others', kept right by every path that writes those others (the loader, `import_sipri`, the
admin, the API, `convert_values` after `loaddata`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, FloatField, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Cast

from dashboard.models import Deal, Delivery

# Deals' ids per UPDATE: within SQLite's limit of variables in a statement.
DEALS_PER_UPDATE = 2000


def delivery_tiv_share() -> Cast:
    """A delivery's share of its deal's delivered TIV, as an expression on Delivery rows: the
    TIV spread evenly over ALL the deal's years of delivery (all the register allows), so that
    picking some years later never spreads it again over the years picked."""
    # COUNT as a plain function, not Django's aggregate: no GROUP BY in the subquery, which
    # the database answers from the (deal, year) index alone.
    years = (
        Delivery.objects.filter(deal=OuterRef("deal"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    delivered = Deal.objects.filter(pk=OuterRef("deal")).values("tiv_delivered")
    return Cast(Subquery(delivered), FloatField()) / Subquery(years)


def delivery_tiv_update(*, deal_ids: Iterable[int | None] | None = None) -> int:
    """Store each delivery's share of its deal's delivered TIV (`Delivery.tiv`) again, for
    the deliveries of `deal_ids` (None for every deal's): after a deal's delivered TIV, or
    its years of delivery, changed. In the database, an UPDATE per 2,000 deals; the
    number of deliveries written."""
    if deal_ids is None:
        return Delivery.objects.update(tiv=delivery_tiv_share())
    ids = sorted({pk for pk in deal_ids if pk is not None})
    return sum(
        Delivery.objects.filter(deal_id__in=ids[start : start + DEALS_PER_UPDATE]).update(
            tiv=delivery_tiv_share()
        )
        for start in range(0, len(ids), DEALS_PER_UPDATE)
    )
