from django import template

from civicgrid.core.audit_labels import action_label, object_type_label

register = template.Library()
register.filter("action_label", action_label)
register.filter("object_type_label", object_type_label)
