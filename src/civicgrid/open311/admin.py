from django.contrib import admin

from civicgrid.core.adminscope import GlobalMixin

from .models import ServiceAttribute


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(GlobalMixin, admin.ModelAdmin):
    list_display = ["service_code", "code", "datatype", "required", "order", "description"]
    list_filter = ["datatype", "required"]
    search_fields = ["service_code", "code", "description"]
