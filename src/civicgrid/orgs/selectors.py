"""Every read a user triggers, through visible_to (core scoping). Public pages read only what the
disclosure rules make public (public_* functions)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from civicgrid.core.scoping import get_visible_or_404, visible_to
from civicgrid.regions.models import Region

from . import catalogue
from . import vocab as V
from .models import (CatalogueCondition, CatalogueSpell, CatalogueStanding, CreditRule, Incubation, Incubator,
                     OrgAccount, Organisation)


def organisations(user, *, q: str = "", kind: str = "", status: str = "", domain: str = "") -> QuerySet:
    qs = visible_to(user, Organisation.objects.select_related("region", "hub", "standing"))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q))
    if kind in V.KIND_LABELS:
        qs = qs.filter(kind=kind)
    if status in V.STATUS_LABELS:
        qs = qs.filter(status=status)
    if domain in V.DOMAINS:
        qs = qs.filter(domains__icontains=f'"{domain}"')
    return qs.order_by("name", "id")


def organisation(user, pk: int) -> Organisation:
    return get_visible_or_404(user, Organisation.objects.select_related("region", "hub", "filing", "standing"), pk=pk)


def hubs(user) -> QuerySet:
    return visible_to(user, Organisation.objects.filter(is_hub=True, status=V.REGISTERED)).annotate(
        n_attached=Count("attached"))


def filing_streets(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level="street")).order_by("path")


def districts(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level="district")).order_by("path")


def service_areas(user) -> QuerySet:
    return Region.objects.filter(level__in=["district", "street", "community"]).order_by("path")


def my_organisations(user) -> list[Organisation]:
    """The organisations this user acts for in the portal (OrgAccount), whatever their seats."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [a.organisation for a in OrgAccount.objects.filter(user=user).select_related("organisation")]


def standings(user, *, included: bool | None = None) -> QuerySet:
    qs = visible_to(user, CatalogueStanding.objects.select_related("organisation", "organisation__region")).filter(
        organisation__status=V.REGISTERED)
    if included is not None:
        qs = qs.filter(included=included)
    return qs.order_by("-included", "organisation__name")


def conditions() -> QuerySet:
    return CatalogueCondition.objects.all()


def credit_rules() -> QuerySet:
    return CreditRule.objects.all()


def catalogue_on(user, when: dt.datetime) -> QuerySet:
    """The organisations (in scope) that were in the catalogue at `when`: the history."""
    return visible_to(user, Organisation.objects.filter(pk__in=list(catalogue.members_on(when)))).order_by("name")


def spells(user, org) -> QuerySet:
    return CatalogueSpell.objects.filter(organisation=org).order_by("-entered_at")


def incubators(user) -> QuerySet:
    return visible_to(user, Incubator.objects.select_related("region", "operator"))


def incubations(user) -> QuerySet:
    return visible_to(user, Incubation.objects.select_related("incubator", "organisation")).prefetch_related(
        "supports", "milestones")


def incubation(user, pk: int) -> Incubation:
    return get_visible_or_404(user, Incubation.objects.select_related(
        "incubator", "incubator__region", "organisation", "organisation__region"), pk=pk)


def admitting_incubators(user) -> QuerySet:
    """The incubators where this user may admit (their registrar seats)."""
    return visible_to(user, Incubator.objects.select_related("region"), roles=("org_registrar",))


def admittable_organisations(user) -> QuerySet:
    """What the admission form offers: registered or filed organisations in the user's jurisdiction
    (a street's own filed groups; registered ones are found by their credit code, see registered_by_code)."""
    return visible_to(user, Organisation.objects.filter(status__in=[V.REGISTERED, V.FILED]).select_related(
        "region", "filing")).order_by("name", "id")


def registered_by_code(code: str) -> Organisation | None:
    """A registered organisation by its credit code: the code and the name are public (信息公开)."""
    return Organisation.objects.select_related("region").filter(credit_code=code, status=V.REGISTERED).first()


# -- public disclosure --------------------------------------------------------------------------------

def public_organisation(pk: int) -> Organisation:
    org = Organisation.objects.select_related("region", "standing", "hub").filter(
        pk=pk, status__in=[V.REGISTERED, V.FILED]).first()
    if org is None:
        raise Http404("该社会组织不存在或未公开。")
    return org


def public_catalogue() -> QuerySet:
    return (Organisation.objects.filter(standing__included=True, status=V.REGISTERED)
            .select_related("region").order_by("name"))


def current_grade(org, today=None):
    today = today or timezone.localdate()
    return next((g for g in org.grades.all() if g.valid_on(today)), None)


def nav_badges(user) -> list[tuple[str, str, str]]:
    return []


def registered_named(name: str) -> Organisation | None:
    return Organisation.objects.filter(name=name, status=V.REGISTERED).order_by("id").first()
