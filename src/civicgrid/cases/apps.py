from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicgrid.cases"
    verbose_name = "案件办理"
