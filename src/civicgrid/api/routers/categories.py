from __future__ import annotations

from ninja import Router

from civicgrid.cases import selectors as case_selectors

from ..errors import COMMON, ApiError
from ..schemas import CategoryOut

router = Router(tags=["案件类别"])


def _out(c) -> dict:
    return {"code": c.code, "name": c.name, "kind": c.kind, "major_code": c.major_code, "major_name": c.major_name,
            "department_code": c.department_code, "default_tier": c.default_tier}


@router.get("/categories", response={200: list[CategoryOut], **COMMON}, summary="案件类别（启用的）")
def list_categories(request):
    return [_out(c) for c in case_selectors.active_categories()]


@router.get("/categories/{code}", response={200: CategoryOut, **COMMON}, summary="类别详情")
def get_category(request, code: str):
    c = case_selectors.active_category(code=code)
    if c is None:
        raise ApiError(404, "not_found", f"类别 {code} 不存在。")
    return _out(c)
