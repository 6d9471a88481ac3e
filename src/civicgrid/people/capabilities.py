"""Who may do what with personal data, as data.

Roles carry default capabilities (ROLE_CAPABILITIES); a system administrator can grant a
capability to one user (CapabilityGrant, via services.grant_capability), e.g. export_unmasked to the
one clerk who sends the annual census file. Jurisdiction still applies: a capability never widens
what a user can see, it only lets them see more of what is already inside their scope.
"""
from __future__ import annotations

from civicgrid.core import roles as R

REVEAL = "reveal"                    # see a full identity number / phone, one field at a time, with a reason
VIEW_MANAGED = "view_managed"        # see managed-group tags (社区矫正、戒毒康复 …)
EXPORT_UNMASKED = "export_unmasked"  # export identity numbers and phones in full
SUBJECT_ACCESS = "subject_access"    # produce a person's whole record for their own request (PIPL art. 45)
EDIT = "edit"                        # add and correct residents, households, buildings, tags, visits
IMPORT = "import"                    # bulk import sheets

CAPABILITY_LABELS = {
    REVEAL: "查看完整证件号/电话",
    VIEW_MANAGED: "查看重点管理人群标签",
    EXPORT_UNMASKED: "导出不打码数据",
    SUBJECT_ACCESS: "出具个人信息副本",
    EDIT: "采集与更正基础数据",
    IMPORT: "批量导入",
}
CAPABILITY_CHOICES = list(CAPABILITY_LABELS.items())

# Capabilities that open more of a resident's personal data than the role shows (full numbers,
# sensitive tags, unmasked files, a whole record). Only a superuser grants these; a system
# administrator grants the others (EDIT, IMPORT) to users they manage. Nobody grants to themselves.
PERSONAL_DATA_CAPABILITIES = frozenset({REVEAL, VIEW_MANAGED, EXPORT_UNMASKED, SUBJECT_ACCESS})

# Managed groups are followed up by the community and its grid workers (grid duty no. 8); street
# dispatchers, the command centre, hotline and departments work on cases, not on these people, so
# they see care data only. Nobody exports unmasked by role: that is always a personal grant.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    R.COMMUNITY_STAFF: frozenset({REVEAL, VIEW_MANAGED, SUBJECT_ACCESS, EDIT, IMPORT}),
    R.GRID_WORKER: frozenset({REVEAL, VIEW_MANAGED, EDIT}),
    R.STREET_DISPATCHER: frozenset({IMPORT, EDIT}),
    R.SYSTEM_ADMIN: frozenset({IMPORT}),
    R.DISTRICT_COMMANDER: frozenset(),
    R.HOTLINE_OPERATOR: frozenset(),
    R.DEPARTMENT_HANDLER: frozenset(),
}

# Who works with the resident register at all (least privilege, README "个人信息：谁能看到什么"): the
# territorial seats that keep it or oversee it. Not a department handler nor a hotline operator: they
# work on cases and calls, and meet residents only as the requesters of those cases
# (cases.services.can_see_requester: masked until revealed with a reason), never as a register.
REGISTER_ROLES = frozenset({R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER,
                            R.SYSTEM_ADMIN})
REGISTER_REFUSAL = ("居民基础信息库仅限网格员、社区、街道和区指挥中心工作人员使用；部门处置人员和热线话务员"
                    "请在经办的案件中查看诉求人信息。")

# A reveal reason must say something; "看看" is not a reason. One rule for every reveal: core.reveal.
from civicgrid.core.reveal import MIN_REASON_LENGTH  # noqa: E402,F401
