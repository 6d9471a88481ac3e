"""Personal data across apps, from the manifests' `personal_data` declarations.

A subject-access copy (PIPL art. 45) must hold what *every* app keeps about the person, not only the
register: cases they reported, hotline calls they made, disputes they are party to. Apps declare their
fields (core/manifest.py PersonalField); rows are found through the keyed lookup hash stored beside an
encrypted phone (`<field>_hash`) and shown only inside the requesting user's jurisdiction.
"""
from __future__ import annotations

import re

from django.apps import apps
from django.db import transaction

from .crypto import lookup_hash, mask_id_number, mask_name, mask_phone
from .manifest import PD_KINDS, each
from .pii import redact
from .scoping import visible_to


# --- masking: one rule per kind --------------------------------------------------------------------
_ROOM = re.compile(r"(\d+)(?=\s*(?:室|户|房|号房))|(?<=[-－])\d+\s*$")


def mask_address(value: str | None) -> str:
    """幸福路12号3单元502室 → 幸福路12号3单元***室: the building stays (work needs it), the home goes."""
    return _ROOM.sub(lambda m: "*" * 3, value or "")


MASKERS = {"name": mask_name, "phone": mask_phone, "id_number": mask_id_number, "address": mask_address,
           "free_text": redact}


def declared(model) -> dict:
    """{field name: PersonalField} declared for `model` (a class, an instance or "app.Model")."""
    label = model if isinstance(model, str) else model._meta.label
    return {pf.field: pf for pf in _declared_by_model().get(label, [])}


def mask(kind: str, value) -> str:
    return MASKERS[kind]("" if value is None else str(value))


def masked(obj, field: str) -> str:
    """The field's value masked by its declared kind. An undeclared field is an error, not a pass-through:
    a typo must not print personal data in clear."""
    pf = declared(obj).get(field)
    if pf is None:
        raise LookupError(f"{obj._meta.label}.{field} is not declared as personal data in a manifest")
    return mask(pf.kind, getattr(obj, field))


def export_value(obj, field: str, *, unmasked: bool = False) -> str:
    """A declared field for an export: in clear only when the exporting user holds export_unmasked and
    asked for it (the caller checks the capability), otherwise masked by its kind."""
    value = getattr(obj, field)
    return ("" if value is None else str(value)) if unmasked else masked(obj, field)


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


# --- anonymisation: what the register's retention rule does to the other apps' copies --------------
# What identifies the person goes (name, phone, identity number, private address and private text);
# what describes the matter stays (a pothole's address, the case description) with anything that looks
# like a phone or identity number inside it masked. Rows still being worked keep their contact until they
# are finished: a case under way may need to call the resident back.
_BLANK_KINDS = {"name", "phone", "id_number"}


def _finished(model, qs):
    rule = getattr(model, "PERSONAL_DATA_FINISHED", None)
    if rule is not None:
        return qs.filter(**rule)
    spec = getattr(model, "workflow", None)
    if spec is not None:
        return qs.filter(state__in=spec.terminal)
    return qs


def anonymise_for_phone(phone: str, *, exclude: tuple[str, ...] = ()) -> dict[str, int]:
    """Anonymise, in every app, the finished rows whose declared subject phone is `phone`.

    Models are found from the manifests' declarations (a phone field with its `<field>_hash` column and
    `anonymise=True`); nothing here names an app. Returns {model label: rows changed}.
    """
    h = lookup_hash(phone)
    if not h:
        return {}
    done: dict[str, int] = {}
    with transaction.atomic():
        for label, fields in _declared_by_model().items():
            if label in exclude or not all(pf.anonymise for pf in fields):
                continue
            model = apps.get_model(label)
            names = {f.name for f in model._meta.get_fields()}
            keys = [f"{pf.field}_hash" for pf in fields if pf.kind == "phone" and f"{pf.field}_hash" in names]
            if not keys:
                continue
            n = 0
            for key in keys:
                for row in _finished(model, model.objects.filter(**{key: h})).iterator(500):
                    changes = {}
                    for pf in fields:
                        if pf.kind in _BLANK_KINDS or pf.encrypted:
                            changes[pf.field] = ""
                            # The lookup hash beside it ("phone_hash", "id_hash" for "id_number") goes too.
                            for companion in {f"{pf.field}_hash", f"{pf.field.removesuffix('_number')}_hash"}:
                                if companion in names:
                                    changes[companion] = ""
                        else:
                            changes[pf.field] = mask(pf.kind, getattr(row, pf.field)) if pf.kind == "free_text" \
                                else getattr(row, pf.field)
                    model.objects.filter(pk=row.pk).update(**changes)
                    n += 1
            if n:
                done[label] = n
    return done
