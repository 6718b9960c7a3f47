"""`{{ value|tiv }}`: a SIPRI trend-indicator value as the register writes it, in millions with
the decimals it needs (0.5, 1,200), the same on pages, in tables and side by side.
`{% constant_dollar_method %}`: how values are put in constant dollars, for the pages that show
them (dashboard/money.py)."""

from decimal import Decimal

from django import template

from dashboard import money

register = template.Library()


@register.filter
def tiv(value) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value).normalize():,f}"


@register.simple_tag
def constant_dollar_method() -> str:
    return money.method_text()
