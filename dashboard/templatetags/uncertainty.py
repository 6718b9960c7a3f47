"""`{{ value|uncertain:flag }}`: a figure followed by the uncertainty mark when its flag is set
(dashboard/uncertainty.py says how every page and export marks it)."""

from django import template
from django.utils.html import conditional_escape

from dashboard import uncertainty

register = template.Library()


@register.filter
def uncertain(value, flag):
    return uncertainty.marked(conditional_escape(value), bool(flag))


@register.simple_tag
def uncertain_mark():
    return uncertainty.mark()
