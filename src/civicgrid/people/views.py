"""Thin views: parse, call a selector or a service, render. Out-of-scope objects are 404."""
from __future__ import annotations

import functools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import paging
from civicgrid.core import params as P
from civicgrid.core import spreadsheet
from civicgrid.regions.models import Region

from . import capabilities as C
from . import importer, selectors, services
from .forms import BuildingForm, PersonForm, PlaceForm, TagForm, VisitForm
from .models import INSPECTION_CHECKS, REGISTRATION_CHOICES, ImportJob
from .permissions import capabilities_of, has_capability, require_register_access


def register_view(view):
    """Every page here shows the resident register: logged in, and a seat that may use it (a 403
    with the reason for a department handler, who sees residents only in its cases)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        require_register_access(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _int(value, label: str = "编号") -> int | None:
    """An id from a filter; a non-number or one past bigint is a 400 (core.params), empty is None."""
    return P.parse_id(value, label)


def _natural(text: str) -> tuple:
    """ "2单元" < "10单元", "902" < "1001": numbers compare as numbers."""
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text or ""))


def _split_area(area: Region) -> dict:
    if area.level == "grid":
        return {"community": area.parent, "grid": area}
    return {"community": area, "grid": None}


def _filters(request) -> dict:
    g = request.GET if request.method == "GET" else request.POST
    return {"q": P.clean_text(g.get("q"), "查询", field="q")[:60], "community": _int(g.get("community"), "社区"),
            "grid": _int(g.get("grid"), "网格"),
            "tag": g.get("tag") or "", "registration": g.get("registration") or "",
            "include_moved_out": g.get("moved_out") == "1"}


@register_view
def index(request):
    f = _filters(request)
    people = selectors.search_people(request.user, **f) if any(v for v in f.values()) else None
    page = None
    if people is not None:
        # No exact count over a million residents for every search: the page's rows along the
        # (name, id) index, and a count that stops at paging.COUNT_CAP ("超过 1,000 人").
        page = paging.window(people.order_by("name", "id"), request.GET.get("page"), 30, fetch=selectors.people_by_id)
        if page.number == 1:  # turning pages of the same search is not a new search
            services.record_search(request.user, f, page.count_for_log)
    return render(request, "people/index.html", {
        "f": f, "page": page, "communities": selectors.communities_for(request.user),
        "grids": selectors.grids_for(request.user), "tag_kinds": selectors.tag_kinds_for(request.user),
        "registrations": REGISTRATION_CHOICES, "caps": capabilities_of(request.user),
        "query": request.GET.urlencode(),
    })


@register_view
@require_POST
def export(request):
    f = _filters(request)
    unmasked = request.POST.get("unmasked") == "1"
    try:
        data = services.export_people(request.user, selectors.search_people(request.user, **f), unmasked=unmasked,
                                      filters={k: v for k, v in f.items() if v})
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("people:index")
    return spreadsheet.download(data, spreadsheet.filename("居民", "xlsx"))


def _person_context(request, person, **extra) -> dict:
    user = request.user
    return {
        "person": person,
        "tags": selectors.tags_of(user, person),
        "history": selectors.tag_history_of(user, person),
        "visits": selectors.visits_of(user, person)[:20],
        "cases": selectors.linked_cases(user, person),
        "access": selectors.access_history_of(user, person)[:30],
        "caps": capabilities_of(user),
        "tag_form": TagForm(kinds=selectors.tag_kinds_for(user)),
        "visit_form": VisitForm(),
        "revealed": {},
        **extra,
    }


@register_view
def person_detail(request, pk: int):
    person = selectors.person_for(request.user, pk)
    services.record_view(request.user, person)
    return render(request, "people/person.html", _person_context(request, person))


@register_view
@require_POST
def person_reveal(request, pk: int):
    """Shows the full value in this one response; nothing is stored and the URL carries nothing."""
    person = selectors.person_for(request.user, pk)
    field = request.POST.get("field", "")
    try:
        value = services.reveal(request.user, person, field, request.POST.get("reason", ""))
    except ValidationError as exc:
        return render(request, "people/person.html",
                      _person_context(request, person, reveal_error=_errors(exc), reveal_field=field), status=400)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("people:person", pk=pk)
    from civicgrid.core.reveal import no_store

    return no_store(render(request, "people/person.html", _person_context(request, person, revealed={field: value})))


@register_view
@require_POST
def person_record(request, pk: int):
    person = selectors.person_for(request.user, pk)
    try:
        record = services.subject_access_record(request.user, person, request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("people:person", pk=pk)
    # One naming rule for every download (core.spreadsheet.filename); no-store: it is the whole record.
    return spreadsheet.download(json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"),
                                spreadsheet.filename("个人信息副本", "json", suffix=str(person.pk)),
                                "application/json; charset=utf-8")


@register_view
@require_POST
def tag_add(request, pk: int):
    person = selectors.person_for(request.user, pk)
    form = TagForm(request.POST, kinds=selectors.tag_kinds_for(request.user))
    if form.is_valid():
        try:
            services.add_tag(request.user, person, form.cleaned_data["kind"], start=form.cleaned_data["start"],
                             reason=form.cleaned_data["reason"], worker=request.user)
            messages.success(request, "已添加标签")
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    else:
        messages.error(request, "请检查标签类别和日期")
    return redirect("people:person", pk=pk)


@register_view
@require_POST
def tag_end(request, pk: int):
    tag = selectors.tag_for(request.user, pk)
    try:
        services.end_tag(request.user, tag, reason=request.POST.get("reason", ""))
        messages.success(request, f"已结束“{tag.label}”")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("people:person", pk=tag.person_id)


@register_view
@require_POST
def visit_add(request, pk: int):
    person = selectors.person_for(request.user, pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        try:
            services.log_visit(request.user, person, kind=form.cleaned_data["kind"], note=form.cleaned_data["note"],
                               on=form.cleaned_data["visited_on"])
            messages.success(request, "已记录走访")
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    else:
        messages.error(request, "请检查走访日期")
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/people/") else reverse("people:person", args=[pk]))


def _person_form_view(request, *, person=None, room=None):
    user = request.user
    initial = {}
    if person is not None:
        initial = {k: getattr(person, k) for k in ("name", "id_type", "sex", "birth_date", "registration",
                                                   "relation", "moved_in", "note")}
    form = PersonForm(request.POST or None, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if person is not None:
            # Blank protected fields mean "unchanged": the form never shows their full value.
            for k in ("id_number", "phone"):
                if not data[k]:
                    data.pop(k)
        try:
            if person is None:
                person = services.create_person(user, data, room=room)
                messages.success(request, f"已登记 {person.name}")
            else:
                services.update_person(user, person, data)
                messages.success(request, "已保存更正")
            return redirect("people:person", pk=person.pk)
        except ValidationError as exc:
            error = _errors(exc)
        except PermissionDenied as exc:
            error = str(exc)
    return render(request, "people/person_form.html", {"form": form, "person": person, "room": room, "error": error},
                  status=400 if request.method == "POST" else 200)


@register_view
@require_http_methods(["GET", "POST"])
def person_new(request, room_pk: int):
    room = selectors.room_for(request.user, room_pk)
    return _person_form_view(request, room=room)


@register_view
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    return _person_form_view(request, person=selectors.person_for(request.user, pk))


@register_view
def buildings(request):
    grid = _int(request.GET.get("grid"), "网格")
    qs = selectors.buildings_overview(request.user, grid=grid)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "people/buildings.html", {"page": page, "grids": selectors.grids_for(request.user),
                                                     "grid": grid, "caps": capabilities_of(request.user)})


@register_view
def building_detail(request, pk: int):
    building = selectors.building_for(request.user, pk)
    rooms = (selectors.rooms_for(request.user).filter(building=building)
             .prefetch_related("households", "residents"))
    entrances: dict[str, list] = {}
    for r in sorted(rooms, key=lambda r: (_natural(r.entrance.name), _natural(r.number))):
        entrances.setdefault(r.entrance.name or "（无单元）", []).append(r)
    return render(request, "people/building.html", {"building": building, "entrances": entrances,
                                                    "caps": capabilities_of(request.user)})


@register_view
@require_POST
def room_add(request, pk: int):
    building = selectors.building_for(request.user, pk)
    try:
        room = services.room_at(request.user, building, request.POST.get("entrance", ""), request.POST.get("number", ""))
        return redirect("people:room", pk=room.pk)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        return redirect("people:building", pk=pk)


@register_view
def room_detail(request, pk: int):
    room = selectors.room_for(request.user, pk)
    residents = selectors.people_for(request.user).filter(room=room).select_related("household").order_by(
        "moved_out", "household_id", "id")
    households = selectors.households_for(request.user).filter(room=room)
    return render(request, "people/room.html", {"room": room, "residents": residents, "households": households,
                                                "caps": capabilities_of(request.user)})


@register_view
@require_http_methods(["GET", "POST"])
def building_new(request):
    form = BuildingForm(request.POST or None, areas=selectors.areas_for(request.user))
    error = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.update(_split_area(data.pop("area")))
        try:
            b = services.create_building(request.user, **data)
            messages.success(request, f"已登记楼栋 {b}")
            return redirect("people:building", pk=b.pk)
        except ValidationError as exc:
            error = _errors(exc)
        except PermissionDenied as exc:
            error = str(exc)
    return render(request, "people/building_form.html", {"form": form, "error": error}, status=400 if request.method == "POST" else 200)


@register_view
def care(request):
    grid = _int(request.GET.get("grid"), "网格")
    rows = selectors.care_list(request.user, grid=grid)
    return render(request, "people/care.html", {"rows": rows, "grids": selectors.grids_for(request.user),
                                                "grid": grid, "visit_form": VisitForm()})


# ---------------------------------------------------------------- import

@register_view
@require_http_methods(["GET", "POST"])
def import_upload(request):
    if not has_capability(request.user, C.IMPORT):
        raise PermissionDenied("您没有批量导入权限")
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要上传的文件"
        else:
            try:
                job = importer.create_job(request.user, upload, request.POST.get("kind", "residents"))
                return redirect("people:import_job", pk=job.pk)
            except ValidationError as exc:
                error = _errors(exc)
    from .sheetcheck import limits

    return render(request, "people/import_upload.html", {
        "error": error, "jobs": selectors.jobs_for(request.user)[:10], "kinds": ImportJob.KIND_CHOICES,
        "max_mb": limits().max_bytes // (1024 * 1024), "max_rows": f"{limits().max_rows:,}",
    }, status=400 if error else 200)


@register_view
def import_template(request, kind: str):
    if not has_capability(request.user, C.IMPORT):
        raise PermissionDenied("您没有批量导入权限")
    try:
        data = importer.template_xlsx(kind)
    except ValidationError:
        raise Http404("未知的导入类型") from None
    label = dict(ImportJob.KIND_CHOICES)[kind]
    return spreadsheet.download(data, spreadsheet.filename(f"{label}导入模板", "xlsx"))


@register_view
@require_http_methods(["GET", "POST"])
def import_job(request, pk: int):
    job = selectors.job_for(request.user, pk)
    error = ""
    if request.method == "POST" and job.status == "uploaded":
        mapping = {t.key: request.POST.get(f"map_{t.key}") for t in importer.TARGETS[job.kind]}
        try:
            importer.configure_job(request.user, job, mapping, request.POST.get("mode", ""))
            return redirect("people:import_job", pk=job.pk)
        except ValidationError as exc:
            error = _errors(exc)
            job.refresh_from_db()
    targets = [{"t": t, "selected": job.mapping.get(t.key)} for t in importer.TARGETS[job.kind]]
    return render(request, "people/import_job.html", {
        "job": job, "targets": targets, "headers": list(enumerate(job.headers)), "error": error,
        "modes": ImportJob.MODE_CHOICES, "rejections": job.rejections.all()[:20],
    }, status=400 if error else 200)


@register_view
def import_status(request, pk: int):
    job = selectors.job_for(request.user, pk)
    return JsonResponse({"status": job.status, "status_label": job.get_status_display(), "phase": job.phase,
                         "processed": job.processed, "total": job.total, "accepted": job.accepted,
                         "rejected": job.rejected, "percent": job.percent, "finished": job.finished,
                         "error": job.error})


@register_view
def import_report(request, pk: int):
    job = selectors.job_for(request.user, pk)
    return spreadsheet.download(importer.rejection_report_csv(job, request.user),
                                spreadsheet.filename("导入未通过行", "csv", suffix=str(job.pk)))


# ---------------------------------------------------------------- places

@register_view
def places(request):
    qs = selectors.places_for(request.user)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    from .models import PLACE_KIND_CHOICES

    return render(request, "people/places.html", {"page": page, "kinds": PLACE_KIND_CHOICES, "kind": kind,
                                                  "caps": capabilities_of(request.user)})


@register_view
@require_http_methods(["GET", "POST"])
def place_new(request):
    form = PlaceForm(request.POST or None, areas=selectors.areas_for(request.user))
    error = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.update(_split_area(data.pop("area")))
        try:
            place = services.create_place(request.user, **data)
            return redirect("people:place", pk=place.pk)
        except ValidationError as exc:
            error = _errors(exc)
        except PermissionDenied as exc:
            error = str(exc)
    return render(request, "people/place_form.html", {"form": form, "error": error}, status=400 if request.method == "POST" else 200)


@register_view
@require_http_methods(["GET", "POST"])
def place_detail(request, pk: int):
    place = selectors.place_for(request.user, pk)
    error = ""
    if request.method == "POST":
        from .validation import parse_date

        try:
            services.inspect_place(request.user, place,
                                   checks={f: request.POST.get(f) == "1" for f, _ in INSPECTION_CHECKS},
                                   hazards=request.POST.get("hazards", ""),
                                   rectify_by=parse_date(request.POST.get("rectify_by")))
            messages.success(request, "已记录检查")
            return redirect("people:place", pk=pk)
        except ValidationError as exc:
            error = _errors(exc)
        except ValueError as exc:
            error = str(exc)
    return render(request, "people/place.html", {
        "place": place, "checks": INSPECTION_CHECKS, "error": error,
        "inspections": place.inspections.select_related("inspector")[:20], "caps": capabilities_of(request.user),
    }, status=400 if error else 200)
