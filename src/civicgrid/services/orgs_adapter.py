"""The one place the services app reads the social-organisation registry (orgs, issue 16).

A provider that is a social organisation links to its registry record; the provider page shows what the
registry says about it (grade, credit status, recommended-catalogue standing) and warns when its credit
is marked. Nothing is copied: the registry stays the source, read through here only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class OrgStanding:
    """What the provider page shows about the linked organisation."""

    pk: int
    name: str
    kind: str
    status: str
    credit_code: str
    grade: str                 # "4A（至 2029-04-30）" or ""
    credit_label: str
    credit_warning: bool       # a bad-credit status (活动异常, 失信, 严重失信): shown as a warning
    in_catalogue: bool | None  # None: never computed
    catalogue_failed: list[str] = field(default_factory=list)


def find_by_code(raw: str):
    """A registered organisation by its unified social credit code; a malformed code is refused with its
    GB 32100 reason, an unknown one as not registered."""
    from civicgrid.orgs import creditcode
    from civicgrid.orgs import selectors as orgs

    try:
        code = creditcode.validate(raw)
    except creditcode.CreditCodeError as exc:
        raise ValidationError(str(exc))
    org = orgs.registered_by_code(code)
    if org is None:
        raise ValidationError(f"社会组织登记库中没有统一社会信用代码为 {code} 的已登记组织。")
    return org


def pickable(user) -> QuerySet:
    """The registry's organisations (registered or filed) inside the user's jurisdiction, for a picker."""
    from civicgrid.orgs import selectors as orgs

    return orgs.admittable_organisations(user)


def pick(user, pk: int):
    return pickable(user).filter(pk=pk).first()


def is_organisation(obj) -> bool:
    from civicgrid.orgs.models import Organisation

    return isinstance(obj, Organisation)


def standing(org, today: dt.date | None = None) -> OrgStanding:
    from civicgrid.orgs import rules
    from civicgrid.orgs import selectors as orgs

    grade = orgs.current_grade(org, today or timezone.localdate())
    st = getattr(org, "standing", None)
    return OrgStanding(
        pk=org.pk, name=org.name, kind=org.get_kind_display(), status=org.get_status_display(),
        credit_code=org.credit_code, grade=str(grade) if grade else "", credit_label=rules.label_of(org.credit_status),
        credit_warning=org.credit_status not in rules.GOOD, in_catalogue=st.included if st else None,
        catalogue_failed=[f"{r['label']}：{r['detail']}" for r in st.failed] if st else [])


def registered_named(name: str):
    """A registered organisation by its exact name (the demo seeder's matching)."""
    from civicgrid.orgs import selectors as orgs

    return orgs.registered_named(name)
