"""The roles a user can hold, and where each may sit."""
from __future__ import annotations

GRID_WORKER = "grid_worker"
COMMUNITY_STAFF = "community_staff"
STREET_DISPATCHER = "street_dispatcher"
DEPARTMENT_HANDLER = "department_handler"
HOTLINE_OPERATOR = "hotline_operator"
DISTRICT_COMMANDER = "district_commander"
SYSTEM_ADMIN = "system_admin"

ROLE_LABELS = {
    GRID_WORKER: "网格员",
    COMMUNITY_STAFF: "社区工作者",
    STREET_DISPATCHER: "街道派遣员",
    DEPARTMENT_HANDLER: "部门处置人员",
    HOTLINE_OPERATOR: "热线话务员",
    DISTRICT_COMMANDER: "区指挥中心",
    SYSTEM_ADMIN: "系统管理员",
}
ROLE_CHOICES = list(ROLE_LABELS.items())

# The region level each territorial role is held at. A department handler sits at a unit instead.
ROLE_LEVELS = {
    GRID_WORKER: {"grid"},
    COMMUNITY_STAFF: {"community"},
    STREET_DISPATCHER: {"street"},
    HOTLINE_OPERATOR: {"district", "city"},
    DISTRICT_COMMANDER: {"district", "city"},
    SYSTEM_ADMIN: {"street", "district", "city"},
}
