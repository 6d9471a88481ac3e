"""A workflow declared as data: states, actions, tiers, transitions, deadline rules.

Any model with states declares one `Workflow` (cases in cases/workflow.py, disputes in
mediation/workflow.py); the machine (machine.py) is the only code that reads it to change state.

Each transition row: (from_state, action, to_state, roles, condition, needs_note, needs_photo,
supervise, requires, forward). When several rows share (from_state, action), the first whose condition holds
wins. `supervise` rows need a role whose tier is at least the object's tier (a community worker
cannot close what the street is responsible for); `requires` names inputs the action must be given.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

# The sweep acts as this pseudo-role (no user); only rows listing it may be taken by the sweep.
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    from_state: str
    action: str
    to_state: str
    roles: tuple[str, ...]
    condition: str = ""
    needs_note: bool = False
    needs_photo: bool = False
    supervise: bool = False
    requires: tuple[str, ...] = ()
    forward: bool = False  # the main-line step: the one a page opens first among what one may do now


@dataclass(frozen=True)
class Deadline:
    """How long a step may take: working hours, working days, or calendar days."""

    amount: float
    unit: str = "working_hours"  # 'working_hours' | 'working_days' | 'days'

    def __post_init__(self):
        if self.unit not in ("working_hours", "working_days", "days"):
            raise ValueError(f"unknown deadline unit {self.unit!r}")

    def due(self, start: dt.datetime, calendar) -> dt.datetime:
        if self.unit == "working_hours":
            return calendar.add_working_hours(start, self.amount)
        if self.unit == "working_days":
            return calendar.add_working_days(start, int(self.amount))
        return start + dt.timedelta(days=self.amount)

    @property
    def label(self) -> str:
        n = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{n}{ {'working_hours': '个工作时', 'working_days': '个工作日', 'days': '天'}[self.unit] }"


@dataclass
class Workflow:
    """Everything the machine needs to know about one kind of stateful object."""

    name: str                                   # used in audit verbs: f"{name}.{action}"
    noun: str                                   # Chinese, for messages: 案件, 纠纷
    states: dict[str, str]                      # state -> Chinese label
    terminal: frozenset[str]
    actions: dict[str, str]                     # action -> Chinese label
    transitions: tuple[Transition, ...]
    conditions: dict[str, Callable] = field(default_factory=dict)  # name -> predicate(obj)
    role_labels: dict[str, str] = field(default_factory=dict)
    # Tiers, lowest first, and the supervising role of each (empty when the object has no tiers).
    tiers: dict[str, str] = field(default_factory=dict)
    supervisor_of_tier: dict[str, str] = field(default_factory=dict)
    # The step whose clock runs in each state (None: the clock stops) and each step's default rule.
    step_of_state: dict[str, str | None] = field(default_factory=dict)
    deadlines: dict[str, Deadline] = field(default_factory=dict)
    # (state, tier) pairs the sweep escalates to the next tier when their step's deadline passes.
    sweep_escalates: frozenset = frozenset()
    warn_fraction: float = 0.8

    def __post_init__(self):
        self.conditions = {"": lambda obj: True, **self.conditions}
        for t in self.transitions:
            if t.action not in self.actions:
                raise ValueError(f"{self.name}: action {t.action!r} has no label")
            for s in (t.from_state, t.to_state):
                if s and s not in self.states:
                    raise ValueError(f"{self.name}: unknown state {s!r}")
            if t.condition not in self.conditions:
                raise ValueError(f"{self.name}: unknown condition {t.condition!r}")
        for step in self.step_of_state.values():
            if step and self.deadlines and step not in self.deadlines:
                raise ValueError(f"{self.name}: step {step!r} has no deadline rule")

    # -- reading the table ----------------------------------------------------------------------
    @property
    def open_states(self) -> list[str]:
        return [s for s in self.states if s not in self.terminal]

    @property
    def state_choices(self) -> list[tuple[str, str]]:
        return list(self.states.items())

    @property
    def tier_choices(self) -> list[tuple[str, str]]:
        return list(self.tiers.items())

    @property
    def tier_rank(self) -> dict[str, int]:
        return {t: i + 1 for i, t in enumerate(self.tiers)}

    @property
    def next_tier(self) -> dict[str, str]:
        order = list(self.tiers)
        return dict(zip(order, order[1:]))

    @property
    def role_tier(self) -> dict[str, str]:
        return {role: tier for tier, role in self.supervisor_of_tier.items()}

    def label(self, action: str) -> str:
        return self.actions.get(action, action)

    def role_label(self, role: str) -> str:
        return "系统" if role == SYSTEM else self.role_labels.get(role, role)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if t.from_state == state]

    def rows(self, state: str, action: str) -> list[Transition]:
        return [t for t in self.transitions if t.from_state == state and t.action == action]

    def row_for(self, obj, action: str) -> Transition | None:
        for t in self.rows(obj.state, action):
            if self.conditions[t.condition](obj):
                return t
        return None

    def mirror_rows(self) -> list[dict]:
        """The table as plain rows, for a mirror table, the admin or documentation."""
        return [dict(from_state=t.from_state, action=t.action, to_state=t.to_state, roles=",".join(t.roles),
                     label=self.label(t.action), condition=t.condition, needs_note=t.needs_note,
                     needs_photo=t.needs_photo)
                for t in self.transitions]
