"""The django-tasks database backend, named in Chinese in /admin/.

The package ships "Tasks Database Backend / Task Results" and no Chinese translation. Only the display
names change here (model `_meta`, not `original_attrs`), so no migration is made for the package.
"""
from __future__ import annotations

from django_tasks_db.apps import TasksAppConfig


def _task_str(self) -> str:
    name = (self.task_path or "").rsplit(".", 1)[-1] or "任务"
    return f"后台任务 {name}（{self.get_status_display()}）"


class TasksDBConfig(TasksAppConfig):
    verbose_name = "后台任务"

    def ready(self) -> None:
        super().ready()
        model = self.get_model("DBTaskResult")
        model._meta.verbose_name = "任务执行记录"
        model._meta.verbose_name_plural = "任务执行记录"
        model.__str__ = _task_str
