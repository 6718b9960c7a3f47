"""`{{ value|tiv }}`: a SIPRI trend-indicator value as the register writes it, in millions with
the decimals it needs (0.5, 1,200), the same on pages, in tables and side by side."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def tiv(value) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value).normalize():,f}"
