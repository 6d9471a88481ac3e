from django.contrib import admin
from django.db import transaction

from civicgrid.core import audit

from civicgrid.core.adminscope import JurisdictionAdmin

from .models import Department, DepartmentUnit


class ScopedAdmin(JurisdictionAdmin):
    """Scoped to the admin's jurisdiction; every save and delete is written to the audit log."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(request.user, f"{obj._meta.model_name}.{'update' if change else 'create'}", obj,
                         detail={"changed": form.changed_data})

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(request.user, f"{obj._meta.model_name}.delete", obj)
            super().delete_model(request, obj)


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    list_display = ["code", "name", "district", "phone"]
    search_fields = ["code", "name"]


@admin.register(DepartmentUnit)
class DepartmentUnitAdmin(ScopedAdmin):
    list_display = ["name", "department", "region", "phone", "active"]
    list_filter = ["department", "active"]
    search_fields = ["name"]
