"""The write side that spans models: values stored on one model that are worked out from
others', kept right by every path that writes those others (the loader, `import_sipri`, the
admin, the API, `convert_values` after `loaddata`); and the saves and deletes of a year of
delivery, which the admin and the API both make, with the shares of their deals."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast

from dashboard.models import Deal, Delivery

# Deals' ids per UPDATE: within SQLite's limit of variables in a statement.
DEALS_PER_UPDATE = 2000


class IsDistinctFrom(Func):
    """Whether two values differ, NULL differing from a number and not from NULL (SQL's `<>`
    answers neither). SQLite spells it `IS NOT`, PostgreSQL `IS DISTINCT FROM`."""

    arg_joiner = " IS DISTINCT FROM "
    template = "%(expressions)s"
    output_field = BooleanField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, arg_joiner=" IS NOT ", **extra_context)


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
    its years of delivery, changed. In the database, an UPDATE per 2,000 deals, of the shares
    that differ; the number of deliveries whose share changed."""
    # Only the shares that differ: a run that changes nothing then says so (convert_values).
    stale = Delivery.objects.filter(IsDistinctFrom(F("tiv"), delivery_tiv_share()))
    if deal_ids is None:
        return stale.update(tiv=delivery_tiv_share())
    ids = sorted({pk for pk in deal_ids if pk is not None})
    return sum(
        stale.filter(deal_id__in=ids[start : start + DEALS_PER_UPDATE]).update(
            tiv=delivery_tiv_share()
        )
        for start in range(0, len(ids), DEALS_PER_UPDATE)
    )


def delivery_save(
    *, delivery: Delivery, user: AbstractBaseUser, reason: str | None = None
) -> Delivery:
    """Save a year of delivery, added or changed, with who saved it and why (kept in its
    history); then the shares of the deal it belonged to and of the one it belongs to now
    (the same deal unless it moved), its own share included."""
    # The deal it had: the stored row's, as the caller has set the new one on the instance.
    before = Delivery.objects.filter(pk=delivery.pk).values_list("deal_id", flat=True).first()
    delivery._history_user, delivery._change_reason = user, reason
    with transaction.atomic():
        delivery.save()
        delivery_tiv_update(deal_ids=[before, delivery.deal_id])
    delivery.refresh_from_db(fields=["tiv"])
    return delivery


def delivery_delete(
    *, delivery: Delivery, user: AbstractBaseUser, reason: str | None = None
) -> None:
    """Delete a year of delivery, with who deleted it and why (kept in its history); its
    deal's TIV is then spread over the years left."""
    delivery._history_user, delivery._change_reason = user, reason
    with transaction.atomic():
        delivery.delete()
        delivery_tiv_update(deal_ids=[delivery.deal_id])


def deliveries_delete(*, deliveries: QuerySet[Delivery]) -> None:
    """Delete several years of delivery at once; their deals' TIVs are then spread over the
    years left."""
    deals = list(deliveries.values_list("deal_id", flat=True).distinct())
    with transaction.atomic():
        deliveries.delete()
        delivery_tiv_update(deal_ids=deals)
