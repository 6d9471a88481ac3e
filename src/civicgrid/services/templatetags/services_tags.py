from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ labels|get_item:action }}"""
    return mapping.get(key, key) if hasattr(mapping, "get") else key
