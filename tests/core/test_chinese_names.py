"""No English leftovers (issue 13 item 16): every model has a Chinese name and a Chinese __str__;
every audit code the application writes has a label."""
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

import civicgrid
from civicgrid.cases import workflow as W
from civicgrid.core.audit_labels import action_label

CJK = re.compile(r"[\u4e00-\u9fff]")
# Django's own apps are translated by Django (zh-hans); what is ours or added by us must be too.
DJANGO_OWN = {"admin", "auth", "contenttypes", "sessions"}


def our_models():
    return [m for m in apps.get_models() if m._meta.app_label not in DJANGO_OWN]


def test_every_model_and_app_is_named_in_chinese():
    for m in our_models():
        assert CJK.search(str(m._meta.verbose_name)), m._meta.label
        assert CJK.search(str(m._meta.verbose_name_plural)), m._meta.label
        assert CJK.search(str(m._meta.app_config.verbose_name)), m._meta.app_config.label


@pytest.mark.django_db
def test_every_model_has_a_chinese_str():
    from tests.factories import build_territory

    build_territory()  # regions, departments, users, roles: real rows where the model's str reads FKs
    for m in our_models():
        assert m.__str__ is not models.Model.__str__, f"{m._meta.label} has no __str__"
        obj = m.objects.first() or _unsaved(m)
        text = str(obj)
        # Names people typed (a username) may be Latin; what the code writes must not be English.
        assert not re.search(r"object \(|\bjob #|\bobject\b|Task Result", text), (m._meta.label, text)
        assert CJK.search(text) or m._meta.label in ("core.User",), (m._meta.label, text)


def _unsaved(m, depth=0):
    """An unsaved instance with every field at a plain value (related rows from the database, or
    unsaved ones in turn), enough for __str__ to run."""
    import datetime as dt

    from django.utils import timezone

    obj = m()
    for f in m._meta.concrete_fields:
        if f.is_relation:
            if f.many_to_one or f.one_to_one:
                rel = f.related_model.objects.first() or (_unsaved(f.related_model, depth + 1) if depth < 3 else None)
                if rel is not None:
                    setattr(obj, f.name, rel)
            continue
        if getattr(obj, f.attname, None) not in (None, ""):
            continue
        if f.choices:
            setattr(obj, f.attname, f.choices[0][0])
        elif isinstance(f, models.DateTimeField):
            setattr(obj, f.attname, timezone.now())
        elif isinstance(f, models.DateField):
            setattr(obj, f.attname, dt.date(2026, 11, 1))
        elif isinstance(f, (models.IntegerField, models.FloatField)):
            setattr(obj, f.attname, 1)
        elif isinstance(f, (models.CharField, models.TextField)):
            setattr(obj, f.attname, "测试"[: f.max_length or 2])
    return obj


def _written_codes() -> set[str]:
    root = Path(civicgrid.__file__).parent
    codes = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"audit\.record\((.{0,300}?)\)", text, re.S):
            codes.update(re.findall(r'"([a-z_]+\.[a-z_.]+)"', call.group(1)))
    return {c for c in codes if "." in c and not c.startswith(("cases.", "people.person", "regions."))}


def test_every_audit_code_written_is_labelled():
    written = _written_codes() | {f"case.{a}" for a in W.ACTION_LABELS if a != "report"}
    assert "case.reopen" in written and "hotline.callback" in written
    unlabelled = sorted(c for c in written if action_label(c) == c or not CJK.search(action_label(c)))
    assert not unlabelled, unlabelled
    assert action_label("case.reopen") == "重新办理（案件）"


@pytest.mark.django_db
def test_audit_filter_offers_labels(client, territory):
    from civicgrid.core import audit

    audit.record(territory.users["admin"], "case.reopen", territory.users["admin"])
    client.force_login(territory.users["admin"])
    html = client.get("/audit/").content.decode()
    assert '<option value="case.reopen" >重新办理（案件）</option>' in html
    assert 'placeholder="如 person.reveal"' not in html


@pytest.mark.django_db
def test_admin_index_names_the_tasks_backend_in_chinese(client):
    from civicgrid.core.models import User

    admin = User.objects.create_superuser("root-cn", password="pass-1234-long")
    client.force_login(admin)
    html = client.get("/admin/").content.decode()
    assert "后台任务" in html and "任务执行记录" in html
    assert "Tasks Database Backend" not in html and "Task Results" not in html
