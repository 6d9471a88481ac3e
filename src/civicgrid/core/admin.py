from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import BaseInlineFormSet

from . import audit, selectors, services
from . import roles as R
from .adminscope import GlobalMixin, JurisdictionMixin, restrict_to_superuser
from .models import AuditEntry, Notification, Role, User, WorkingDayOverride
from .scoping import seat_in_admin_scope, sees_everything, user_roles, visible_to


class RoleInlineFormSet(BaseInlineFormSet):
    """Says in the form why a seat may not be granted; the services refuse it again on save."""

    request = None

    def clean(self):
        super().clean()
        actor = self.request.user
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or not form.has_changed():
                continue
            d = form.cleaned_data
            try:
                if d.get("DELETE"):
                    if form.instance.pk and not seat_in_admin_scope(
                            actor, region=form.instance.region, department_unit=form.instance.department_unit):
                        raise PermissionDenied("该角色不在您的管理区域内。")
                    continue
                if d.get("role"):
                    services.check_role_grant(actor, self.instance, d["role"], region=d.get("region"),
                                              department_unit=d.get("department_unit"))
            except PermissionDenied as exc:
                form.add_error(None, str(exc))


class RoleInline(admin.TabularInline):
    model = Role
    formset = RoleInlineFormSet
    extra = 0
    autocomplete_fields = ["region", "department_unit"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        return formset

    def get_min_num(self, request, obj=None, **kwargs):
        # A user an administrator creates must have a seat inside their area, or it would be lost
        # to them (and to every administrator but the superuser) the moment it is saved.
        return 0 if request.user.is_superuser else 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only nodes inside the administrator's own subtree: a forged POST naming another fails.
        if db_field.name in ("region", "department_unit"):
            kwargs["queryset"] = visible_to(request.user, db_field.related_model.objects.all(),
                                            roles=(R.SYSTEM_ADMIN,))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(JurisdictionMixin, BaseUserAdmin):
    scope_via_user = "self"
    inlines = [RoleInline]
    list_display = ["username", "display_name", "phone", "is_active", "is_staff"]
    fieldsets = BaseUserAdmin.fieldsets + (("civicgrid", {"fields": ("display_name", "phone")}),)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # The fields are not in the form at all, so a crafted POST naming them changes nothing;
        # services.save_user refuses them again for any other caller.
        hidden = set(services.PRIVILEGED_USER_FIELDS)
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
                for name, opts in fieldsets]

    def get_list_filter(self, request):
        return ["is_active"] if not request.user.is_superuser else ["is_staff", "is_superuser", "is_active"]

    def save_model(self, request, obj, form, change):
        services.save_user(request.user, obj, changed=list(form.changed_data), created=not change)

    def save_related(self, request, form, formsets, change):
        # Groups and model permissions are saved here by Django; only a superuser has them in the form.
        if request.user.is_superuser:
            form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        # commit=False: Django still records new/changed/deleted objects for its change message,
        # and every write goes through the services, with their checks and audit entries.
        formset.save(commit=False)
        actor = request.user
        for seat in formset.deleted_objects:
            services.revoke_role(actor, seat)
        for seat, _fields in formset.changed_objects:
            services.change_role(actor, seat, role=seat.role, region=seat.region,
                                 department_unit=seat.department_unit, title=seat.title, public=seat.public)
        for seat in formset.new_objects:
            created = services.grant_role(actor, form.instance, seat.role, region=seat.region,
                                          department_unit=seat.department_unit, title=seat.title, public=seat.public)
            seat.pk = created.pk


@admin.register(AuditEntry)
class AuditEntryAdmin(JurisdictionMixin, admin.ModelAdmin):
    """Read-only in every way: no add, change or delete, not even for a superuser.

    Scoped like /audit/: an administrator reads the entries whose region lies in their subtree
    (see AuditEntry.region for how an entry gets its region)."""

    list_display = ["at", "actor_name", "action", "object_type", "object_repr", "region", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id", "reason"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        qs = super(JurisdictionMixin, self).get_queryset(request)
        return selectors.scope_audit(request.user, qs)

    def _in_scope(self, request, obj) -> bool:
        return obj is None or selectors.scope_audit(request.user, AuditEntry.objects.filter(pk=obj.pk)).exists()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(JurisdictionMixin, admin.ModelAdmin):
    scope_via_user = "recipient"
    list_display = ["created_at", "recipient", "title", "read_at"]

    def has_change_permission(self, request, obj=None):
        return False


# Groups and model permissions would let an administrator hand out admin rights beside the seats.
restrict_to_superuser(Group)
try:
    from django_tasks_db.models import DBTaskResult
except ImportError:  # pragma: no cover - the database task backend is the default, not a requirement
    DBTaskResult = None
if DBTaskResult is not None:
    # Task arguments can name residents and files; they are the operator's, not an administrator's.
    restrict_to_superuser(DBTaskResult)


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(GlobalMixin, admin.ModelAdmin):
    """Next year's holidays and make-up days until the chinese-calendar package knows them."""

    list_display = ["day", "working", "note"]
    list_filter = ["working"]
    date_hierarchy = "day"

    # The calendar is the whole city's: only an administrator seated at district or city level edits it.
    def _allowed(self, request) -> bool:
        return sees_everything(request.user) or any(
            r.role == "system_admin" and r.region_id and r.region.level in ("district", "city")
            for r in user_roles(request.user))

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(request.user, "calendar.update" if change else "calendar.create", obj,
                         detail={"day": obj.day.isoformat(), "working": obj.working})

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(request.user, "calendar.delete", obj, detail={"day": obj.day.isoformat()})
            super().delete_model(request, obj)
