"""Constant US dollars: a deal's value in the US dollars of one stated year, so that values in
different currencies are compared, sorted, filtered and charted on one scale.

Method: the amount, in its currency, is turned into US dollars of the year the deal was signed
(or, for SIPRI's records, ordered) at the average of the European Central Bank's daily
reference rates over that year (through the euro, as the ECB quotes every currency against it;
the `currencyconverter` package ships them), then into US dollars of `BASE_YEAR` by the ratio of
the US consumer price index for all urban consumers (CPI-U, BLS series CUUR0000SA0, annual
averages; `data/us_cpi_u.csv`, written from the `cpi` package by `manage.py update_cpi`).

Nothing is guessed: a value whose year has no signing date, whose currency the ECB does not
rate on every one of its days of that year (the Indian rupee before 2009, the rouble after
February 2022), or whose year the CPI series lacks, is not converted, and says why.
Nothing is fetched: both sources are files installed with the code.
"""

import csv
import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from currency_converter import CurrencyConverter, RateNotFoundError

CPI_FILE = Path(__file__).parent / "data" / "us_cpi_u.csv"
METHOD = (
    "Converted to US dollars at the average of the European Central Bank's daily reference "
    "rates over the year of signing, then to {year} dollars by the US consumer price index "
    "(CPI-U, annual averages, Bureau of Labor Statistics)."
)


@dataclass(frozen=True)
class Conversion:
    """A value in constant US dollars of `base_year`, or None with the reason it has none."""

    amount: Decimal | None
    base_year: int
    reason: str = ""


@cache
def cpi_by_year() -> dict[int, Decimal]:
    with CPI_FILE.open(newline="") as file:
        return {int(row["year"]): Decimal(row["cpi_u"]) for row in csv.DictReader(file)}


def base_year() -> int:
    """The latest year the CPI series has in full: the year of the constant dollars."""
    return max(cpi_by_year())


def method_text() -> str:
    return METHOD.format(year=base_year())


@cache
def _rates() -> CurrencyConverter:
    # The package's own copy of the ECB's history; loading it takes about a second.
    return CurrencyConverter(decimal=True)


@cache
def usd_per_unit(currency: str, year: int) -> Decimal | None:
    """US dollars per unit of `currency`: the average of the ECB's daily rates over `year`, or
    None when the ECB lacks a rate for it on any day it rated the dollar that year."""
    if currency == "USD":
        return Decimal(1)
    rates = _rates()
    if currency not in rates.currencies:
        return None
    day, rated = datetime.date(year, 1, 1), []
    while day.year == year:
        try:
            usd_per_euro = rates.convert(1, "EUR", "USD", date=day)
        except RateNotFoundError:
            usd_per_euro = None  # not an ECB day (a weekend, a holiday)
        if usd_per_euro is not None:
            try:
                rated.append(usd_per_euro / rates.convert(1, "EUR", currency, date=day))
            except RateNotFoundError:
                return None
        day += datetime.timedelta(days=1)
    return sum(rated) / len(rated) if rated else None


def constant_usd(amount: Decimal | None, currency: str, year: int | None) -> Conversion:
    """`amount` of `currency` in `year`, in US dollars of `base_year()`, whole dollars."""
    base = base_year()
    if amount is None:
        return Conversion(None, base)
    if year is None:
        return Conversion(None, base, "No year of signing to convert at.")
    cpi = cpi_by_year()
    if year not in cpi:
        return Conversion(None, base, f"The US consumer price index has no average for {year}.")
    rate = usd_per_unit(currency, year)
    if rate is None:
        return Conversion(
            None, base, f"The ECB's reference rates do not cover {currency} for all of {year}."
        )
    value = Decimal(amount) * rate * cpi[base] / cpi[year]
    return Conversion(value.quantize(Decimal(1)), base)


def deal_conversion(deal) -> Conversion:
    """A deal's value in constant dollars, at the year it was signed or ordered."""
    # A date the form could not read stays text; clean_fields() reports it.
    year = getattr(deal.signed, "year", None)
    return constant_usd(deal.value_amount, deal.value_currency, year)
