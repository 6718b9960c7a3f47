"""Template filters of the list pages (templates/dashboard/record_list.html)."""

from django import template

from dashboard.tables import choosable_columns as _choosable_columns

register = template.Library()


@register.filter
def choosable_columns(table):
    """The columns the page's column chooser offers (dashboard/tables.py)."""
    return _choosable_columns(table)
