"""Chinese labels for audit-log codes, so an administrator reads "查看明文（居民）" rather than "person.reveal".

The codes stay what the log stores and what the filter matches; labels are only for display.
Unknown codes are shown as they are.
"""
from __future__ import annotations

from django.apps import apps

def subjects() -> dict[str, str]:
    """Audit subjects ("case") with their Chinese labels, from every app's manifest."""
    from .manifest import manifests

    out: dict[str, str] = {}
    for m in manifests():
        out.update(m.audit_subjects)
    return out


def verbs() -> dict[str, str]:
    from .manifest import manifests

    out: dict[str, str] = {}
    for m in manifests():
        out.update(m.audit_verbs)
    return out


def action_label(code: str) -> str:
    subject, _, verb = (code or "").partition(".")
    if not verb:
        return code
    s, v = subjects().get(subject), verbs().get(verb)
    return f"{v}（{s}）" if s and v else code


def object_type_label(code: str) -> str:
    try:
        return str(apps.get_model(code)._meta.verbose_name)
    except (LookupError, ValueError):
        return code
