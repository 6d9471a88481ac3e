"""Views are thin: the seven view files that used to query models themselves now ask selectors.
A new `Model.objects` in one of them fails here (ARCHITECTURE.md: "No view queries a model directly")."""
import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "civicgrid"
VIEW_FILES = ["cases/views.py", "dashboard/views.py", "hotline/views.py", "open311/views.py", "regions/views_import.py",
              "api/routers/cases.py", "api/routers/categories.py"]


@pytest.mark.parametrize("name", VIEW_FILES)
def test_no_model_query_in_view(name):
    tree = ast.parse((SRC / name).read_text(encoding="utf-8"))
    found = [f"{name}:{node.lineno}" for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager")]
    assert not found, f"query through a selector instead: {found}"


@pytest.mark.django_db
def test_reportable_grids(territory):
    from civicgrid.cases import selectors

    t = territory
    assert set(selectors.reportable_grids(t.users["staff_A1"], "community")) == {t.grid("A1a"), t.grid("A1b")}
    assert selectors.reportable_grids(t.users["operator"], "hotline").count() == 8  # calls about any grid
    assert set(selectors.reportable_grids(t.users["dispatcher_B"], "other")) == {
        g for k, g in t.grids.items() if k.startswith("B")}
