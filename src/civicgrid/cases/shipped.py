"""The shipped category catalogue (data/categories.json, the urban-management standard's codes).

Migration 0002 loads it on a new database with its own frozen copy of this loop, as migrations must.
This module is for everything else that needs the catalogue present: the jurisdiction matrix's
objects and the test territory, after a browser test's flush emptied the rows a migration made.
"""
from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "categories.json"


def load_categories() -> None:
    """Create or update every shipped category (an administrator's later edits of other fields stay
    only for codes not shipped)."""
    from .models import Category

    for row in json.loads(DATA.read_text(encoding="utf-8")):
        Category.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})


def ensure_categories() -> None:
    """Load the catalogue if the table is empty; leave an edited catalogue alone."""
    from .models import Category

    if not Category.objects.exists():
        load_categories()
