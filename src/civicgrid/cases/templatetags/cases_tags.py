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
