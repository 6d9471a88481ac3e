from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def deadline_class(case, now=None):
    """'overdue' | 'warning' | '' for a case's running clock."""
    now = now or timezone.now()
    if not case.is_open or not case.due_at:
        return ""
    if case.due_at <= now:
        return "overdue"
    if case.warn_at and case.warn_at <= now:
        return "warning"
    return ""


@register.filter
def hours(value):
    if value is None:
        return "—"
    return f"{value:.1f}"


@register.filter
def pct(value):
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def get(d, key):
    try:
        return d[key]
    except (KeyError, TypeError, IndexError):
        return None
