"""A deal's value in money, where SIPRI's comment states one ("$375m deal").

When a comment gives two currencies, "INR390 b ($5.4 b) deal", the first is the deal's own and
the one in brackets SIPRI's conversion: the value is INR 390 billion. "Part of THB4b ($120 m)
deal" states the value of a larger deal this row is only part of, so it is not this deal's
value: it gives none (the comment, kept verbatim, still says it).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pycountry

_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"}
_UNITS = {"m": 10**6, "mn": 10**6, "million": 10**6, "b": 10**9, "bn": 10**9, "billion": 10**9}
_AMOUNT = (
    r"(?:(?P<code{n}>(?-i:[A-Z]{{3}}))|(?P<symbol{n}>[$£€¥]))\s?"
    r"(?P<number{n}>\d+(?:,\d{{3}})*(?:\.\d+)?)\s?(?P<unit{n}>million|billion|mn|bn|m|b)\b"
)
_VALUE = re.compile(
    r"(?P<part>\bpart\s+of\s+(?:an?\s+|the\s+)?)?"
    + _AMOUNT.format(n=1)
    + r"(?:\s*\(\s*(?:about\s+|approx\.?\s+|c\.\s*)?"
    + _AMOUNT.format(n=2)
    + r"\s*\))?\s+(?:deal|contract)\b",
    re.IGNORECASE,
)


def comment_value(comment: str) -> tuple[Decimal, str] | None:
    """(amount, ISO 4217 code) of the deal's own value, as its comment states it, or None."""
    for match in _VALUE.finditer(comment):
        if match["part"]:
            continue
        currency = _currency(match["code1"], match["symbol1"])
        if currency is None:
            continue
        number = Decimal(match["number1"].replace(",", ""))
        amount = number * _UNITS[match["unit1"].lower()]
        return amount.quantize(Decimal("0.01")), currency
    return None


def _currency(code: str | None, symbol: str | None) -> str | None:
    if symbol:
        return _SYMBOLS[symbol]
    code = code.upper()
    return code if pycountry.currencies.get(alpha_3=code) else None
