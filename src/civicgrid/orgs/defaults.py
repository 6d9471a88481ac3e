"""The default credit rules and catalogue conditions, for an installation whose rows were emptied.

Migration 0002 installs the same rows on a new database (it keeps its own frozen copy, as migrations
must). A test database flushed by a browser test (transactional) loses migration-made rows; the test
territory puts these back with `ensure()`.
"""
from __future__ import annotations

from django.db import transaction


def ensure() -> None:
    from importlib import import_module

    from .models import CatalogueCondition, CreditRule

    data = import_module("civicgrid.orgs.migrations.0002_default_rules")
    with transaction.atomic():
        if not CreditRule.objects.exists():
            for status, label, kind, cats, years, n, prio in data.RULES:
                CreditRule.objects.create(status=status, label=label, kind=kind, categories=cats, within_years=years,
                                          min_count=n, priority=prio)
        if not CatalogueCondition.objects.exists():
            for metric, value, label, order in data.CONDITIONS:
                CatalogueCondition.objects.create(metric=metric, value=value, label=label, order=order)
