from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "civicgrid.people"
    verbose_name = "基础数据"
