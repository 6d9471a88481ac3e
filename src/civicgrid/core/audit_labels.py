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



def action_choices(codes) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(subject label, [(code, label), …]), …] for the audit log's 操作 filter, over the codes the log
    holds (so core lists no app's actions); each group starts with "全部（居民）" = the subject's prefix
    ("person."), which the filter matches as a prefix."""
    names = subjects()
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in sorted(set(codes)):
        subject = code.partition(".")[0]
        if subject not in groups:
            groups[subject] = [(f"{subject}.", f"全部（{names.get(subject, subject)}）")]
        groups[subject].append((code, action_label(code)))
    return [(names.get(k, k), v) for k, v in groups.items()]


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
