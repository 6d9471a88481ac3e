import datetime as dt

from django import template
from django.utils import timezone

from civicgrid.cases import selectors

register = template.Library()


@register.inclusion_tag("cases/_nav.html", takes_context=True)
def cases_nav(context):
    """Navigation links with the user's to-do count (overdue in red)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    from civicgrid.core import roles as R
    from civicgrid.core.scoping import has_role

    return {"show": True, "counts": selectors.nav_counts(user),
            "is_grid_worker": has_role(user, R.GRID_WORKER),
            "can_evaluate": user.is_superuser or has_role(user, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER,
                                                          R.COMMUNITY_STAFF, R.SYSTEM_ADMIN)}


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
def kept_for(failed, action):
    """What was typed into `action`'s form before the server refused it ({} for other forms)."""
    if failed and failed.get("action") == action:
        return failed.get("post") or {}
    return {}
