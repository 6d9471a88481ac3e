"""Personal data across apps, from the manifests' `personal_data` declarations.

A subject-access copy (PIPL art. 45) must hold what *every* app keeps about the person, not only the
register: cases they reported, hotline calls they made, disputes they are party to. Apps declare their
fields (core/manifest.py PersonalField); rows are found through the keyed lookup hash stored beside an
encrypted phone (`<field>_hash`) and shown only inside the requesting user's jurisdiction.
"""
from __future__ import annotations

from django.apps import apps

from .crypto import lookup_hash
from .manifest import PD_KINDS, each
from .scoping import visible_to


def _declared_by_model() -> dict[str, list]:
    out: dict[str, list] = {}
    for _m, pf in each("personal_data"):
        out.setdefault(pf.model, []).append(pf)
    return out


def records_for_phone(user, phone: str, *, exclude: tuple[str, ...] = ()) -> list[dict]:
    """Rows in every app whose declared phone field holds `phone`, each with its declared fields."""
    h = lookup_hash(phone)
    if not h:
        return []
    out = []
    for label, fields in _declared_by_model().items():
        if label in exclude:
            continue
        model = apps.get_model(label)
        if getattr(model, "SCOPE_REGION_FIELD", None) is None and getattr(model, "SCOPE_UNIT_FIELD", None) is None:
            continue  # cannot be scoped, so never shown
        names = {f.name for f in model._meta.get_fields()}
        hashes = [f"{pf.field}_hash" for pf in fields if pf.kind == "phone" and f"{pf.field}_hash" in names]
        for hash_field in hashes:
            for row in visible_to(user, model.objects.filter(**{hash_field: h})).order_by("pk")[:500]:
                out.append({
                    "类别": str(model._meta.verbose_name), "编号": str(getattr(row, "number", "") or row.pk),
                    "内容": {f"{model._meta.get_field(pf.field).verbose_name}（{PD_KINDS[pf.kind]}）":
                             str(getattr(row, pf.field) or "") for pf in fields},
                })
    return out
