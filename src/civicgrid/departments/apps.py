from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    name = "civicgrid.departments"
    verbose_name = "职能部门"
