from django.contrib import admin

from civicgrid.core.adminscope import JurisdictionAdmin

from .models import Region


@admin.register(Region)
class RegionAdmin(JurisdictionAdmin):
    list_display = ["code", "name", "level", "grid_kind", "parent"]
    list_filter = ["level", "grid_kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["path", "code", "level", "parent"]
    fields = ["code", "name", "level", "grid_kind", "parent", "path", "geometry"]

    def has_add_permission(self, request):
        # New regions come through the GeoJSON import or the service, which validate codes.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from . import services

        services.update_region(request.user, obj, name=obj.name, grid_kind=obj.grid_kind, geometry=obj.geometry)
