"""One workflow engine for every app with states: the table as data (spec.py), the machine that
applies it with events, working-time deadlines, the sweep, escalation and row locks (machine.py),
and abstract model fields (models.py). See docs/architecture.md for a worked example."""
from .machine import Conflict, IllegalAction, Machine, WorkflowError, event_appended
from .spec import SYSTEM, Deadline, Transition, Workflow

__all__ = ["Conflict", "Deadline", "IllegalAction", "Machine", "SYSTEM", "Transition", "Workflow",
           "WorkflowError", "event_appended"]
