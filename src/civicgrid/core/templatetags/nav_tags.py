from django import template

from civicgrid.core import nav

register = template.Library()


@register.inclusion_tag("core/_nav.html", takes_context=True)
def app_nav(context):
    """The navigation links every app's manifest contributes for this visitor."""
    request = context.get("request")
    return {"entries": nav.entries_for(getattr(request, "user", None), getattr(request, "session", None))}
