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


@register.filter
def case_link(number):
    """A case number as a link to its page: wherever a number is shown, one click opens the case.

    The case page itself checks scope, so a link never reveals more than the number already shown.
    """
    from django.urls import NoReverseMatch, reverse
    from django.utils.html import format_html

    number = getattr(number, "number", number)
    if not number:
        return ""
    try:
        url = reverse("cases:detail", args=[number])
    except NoReverseMatch:
        return number
    return format_html('<a href="{}" class="case-no">{}</a>', url, number)


@register.filter
def tier_label(code):
    """"district" → "区（大循环）": events store the tier's code."""
    from civicgrid.cases import workflow as W

    return W.TIER_LABELS.get(code, code)


@register.filter
def kept_for(failed, action):
    """What was typed into `action`'s form before the server refused it ({} for other forms)."""
    if failed and failed.get("action") == action:
        return failed.get("post") or {}
    return {}
