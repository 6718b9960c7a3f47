"""`{{ text|shortened:300 }}`: a text cut after a whole word, never inside one."""

from django import template

from dashboard.passages import shortened as shortened_text

register = template.Library()


@register.filter
def shortened(text, limit: int) -> str:
    return shortened_text(str(text or ""), int(limit))
