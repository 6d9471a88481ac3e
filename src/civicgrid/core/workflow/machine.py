"""The workflow machine: applies a declared Workflow to rows of one model.

    m = Machine(workflow, Model, EventModel, event_parent="case")
    m.begin(actor, obj, action=..., role=..., now=...)   the first event (from state "")
    m.act(actor, obj, action, note=..., expected_version=..., inputs={...})
    m.available_actions(user, obj)                       rows the user may take now
    m.sweep(now)                                         warnings, overdue flags, escalation

The model carries `state`, `version`, `due_at`, `warn_at`, `is_warned`, `is_overdue`,
`overdue_count` (and `tier` when the workflow has tiers) and declares its scope for
core.scoping.visible_to. The event model carries (parent, seq, action, from_state, to_state, actor,
actor_name, actor_role, at, note, data) with (parent, seq) unique: every event takes seq = the new
version, so even a writer that skipped the row lock could not fork the history.

Concurrency: `act` locks the row (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers), re-reads it and refuses a stale `expected_version` as Conflict.

An app subclasses Machine to add what its domain needs: `effects` (per-action field changes; each
records its inputs in `data`), `after_event` (notifications, signals), `step_deadline` (limits
that depend on the object), `on_overdue` (who hears about a missed deadline).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core.calendar import default_calendar
from civicgrid.core.errors import CONFLICT, AppError
from civicgrid.core.notifications import mark_done
from civicgrid.core.scoping import sees_everything, user_roles, visible_to

from .spec import SYSTEM, Deadline, Transition, Workflow

log = logging.getLogger(__name__)

# Sent INSIDE the transaction that appended the event (sender=model, obj=..., event=..., workflow=...),
# so a receiver that keeps figures commits or rolls back together with the event.
event_appended = Signal()

NOTE_MAX = 2000


class WorkflowError(AppError):
    """Base for refusals that are about the object's state, not about who is asking.

    An app gives its machine its own subclasses (`illegal_error`, `conflict_error`) so the refusal
    carries the app's stable code ("cases.conflict", "mediation.illegal_action"); these are the defaults.
    """

    code = "workflow.refused"
    kind = CONFLICT
    default_message = "当前状态不允许此操作。"


class IllegalAction(WorkflowError):
    code = "workflow.illegal_action"


class Conflict(WorkflowError):
    code = "workflow.conflict"
    default_message = "已被他人处理，请刷新页面后再操作。"


class Machine:
    # Actions whose step keeps the running clock (the effect may set it itself).
    keeps_clock: frozenset[str] = frozenset()
    # Per-step deadline fields kept after the step, e.g. {"accept": "accept_due"}.
    step_due_fields: dict[str, str] = {}
    # Chinese names of inputs listed in a row's `requires`, for the refusal message.
    input_labels: dict[str, str] = {}
    sweep_counts: tuple[str, ...] = ("warned", "overdue", "escalated")
    # The app's own refusal classes (core.errors codes); see WorkflowError.
    illegal_error: type[WorkflowError] | type = IllegalAction
    conflict_error: type[WorkflowError] | type = Conflict

    def __init__(self, workflow: Workflow, model, event_model, *, event_parent: str,
                 effects: dict[str, Callable] | None = None):
        self.workflow = workflow
        self.model = model
        self.event_model = event_model
        self.event_parent = event_parent
        self.effects = dict(effects or {})

    # -- who may act -----------------------------------------------------------------------------
    def visible(self, actor, pk) -> bool:
        """May `actor` act on this row at all? Default: it lies inside their jurisdiction. An app whose
        outside parties act on their own rows (a service provider's account on its orders) widens this."""
        return visible_to(actor, self.model.objects.filter(pk=pk)).exists()

    def in_scope(self, user, obj, role: str) -> bool:
        return visible_to(user, self.model.objects.filter(pk=obj.pk), roles=(role,)).exists()

    def role_refusal(self, actor, obj, row: Transition) -> tuple[str | None, str]:
        """(role the actor acts as, "") or (None, why not)."""
        wf = self.workflow
        label = wf.label(row.action)
        if actor is None:
            return (SYSTEM, "") if SYSTEM in row.roles else (None, "该操作须由工作人员执行。")
        if sees_everything(actor):
            return next(r for r in row.roles if r != SYSTEM), ""
        held = [r for r in row.roles if r != SYSTEM and any(s.role == r for s in user_roles(actor))]
        if not held:
            labels = "、".join(wf.role_label(r) for r in row.roles if r != SYSTEM)
            return None, f"“{label}”需要以下角色之一：{labels}"
        why = f"该{wf.noun}不在您的管辖范围内。"
        rank = wf.tier_rank
        for role in held:
            if not self.in_scope(actor, obj, role):
                continue
            tiers = self.seat_tiers(actor, role) if row.supervise else None
            if tiers and max(rank[t] for t in tiers) < rank[obj.tier]:
                why = f"该{wf.noun}由{wf.tiers[obj.tier]}负责，您不能执行“{label}”。"
                continue
            return role, ""
        return None, why

    def seat_tiers(self, actor, role: str) -> set[str]:
        """The tiers `actor` stands for in `role` (empty: the role is not bound to a tier).

        By default the role's tier in the table (`supervisor_of_tier`); a workflow whose role sits at
        several levels (a mediator at a community or a street) overrides this to read the seats.
        """
        tier = self.workflow.role_tier.get(role)
        return {tier} if tier else set()

    def available_actions(self, user, obj) -> list[Transition]:
        """The transitions `user` may take on `obj` now (one row per action), for screens and the API."""
        wf = self.workflow
        out, seen = [], set()
        for t in wf.transitions_from(obj.state):
            if t.action in seen:
                continue
            row = wf.row_for(obj, t.action)
            if row is None:
                continue
            seen.add(t.action)
            if SYSTEM in row.roles and len(row.roles) == 1:
                continue
            role, _ = self.role_refusal(user, obj, row)
            if role:
                out.append(row)
        return out

    # -- the clock ---------------------------------------------------------------------------------
    def calendar(self):
        return default_calendar()

    def step_deadline(self, obj, step: str) -> Deadline:
        return self.workflow.deadlines[step]

    def start_clock(self, obj, step: str | None, now: dt.datetime, *, due: dt.datetime | None = None) -> None:
        """Set the running clock for `step` (None stops it); warn at `warn_fraction` of the time."""
        obj.is_warned = False
        obj.is_overdue = False
        if step is None:
            obj.due_at = obj.warn_at = None
            return
        cal = self.calendar()
        frac = self.workflow.warn_fraction
        if due is None:
            rule = self.step_deadline(obj, step)
            due = rule.due(now, cal)
            if rule.unit == "working_hours":
                warn = cal.add_working_hours(now, rule.amount * frac)
            elif rule.unit == "days":
                warn = now + (due - now) * frac
            else:
                remaining = cal.working_hours_between(now, due)
                warn = cal.add_working_hours(now, remaining * frac) if remaining > 0 else due
        else:
            remaining = cal.working_hours_between(now, due)
            warn = cal.add_working_hours(now, remaining * frac) if remaining > 0 else due
        obj.due_at, obj.warn_at = due, warn
        field = self.step_due_fields.get(step)
        if field:
            setattr(obj, field, due)

    def restart_clock(self, obj, row: Transition, from_state: str, now: dt.datetime) -> None:
        """After a step: start the clock of the new state's step, unless the action keeps it."""
        if row.action in self.keeps_clock:
            return
        self.start_clock(obj, self.workflow.step_of_state.get(obj.state), now)

    # -- events ------------------------------------------------------------------------------------
    def actor_label(self, actor, source: str = "") -> str:
        if actor is not None:
            return getattr(actor, "name", None) or str(actor)
        return source or "系统"

    def append_event(self, obj, actor, role: str, action: str, from_state: str, to_state: str, now, *,
                     note: str, data: dict, inputs: dict | None = None, source: str = ""):
        return self.event_model.objects.create(
            **{self.event_parent: obj}, seq=obj.version, action=action, from_state=from_state, to_state=to_state,
            actor=actor, actor_name=self.actor_label(actor, source), actor_role=role, at=now, note=note, data=data)

    def after_event(self, obj, event, data: dict) -> None:
        """Notifications and app signals, inside the transaction. Subclasses extend."""

    def _emit(self, obj, event, data: dict) -> None:
        self.after_event(obj, event, data)
        event_appended.send(sender=self.model, obj=obj, event=event, workflow=self.workflow)

    # -- the first event ---------------------------------------------------------------------------
    def begin(self, actor, obj, *, action: str, role: str, now: dt.datetime | None = None, note: str = "",
              data: dict | None = None, source: str = "", audit_detail: dict | None = None):
        """Save a new object in the state of the row (""/action) and append its first event."""
        now = now or timezone.now()
        rows = self.workflow.rows("", action)
        if not rows:
            raise self.illegal_error("未知的操作。")
        with transaction.atomic():
            obj.state = rows[0].to_state
            obj.version = 1
            self.start_clock(obj, self.workflow.step_of_state.get(obj.state), now)
            obj.save()
            data = dict(data or {})
            event = self.append_event(obj, actor, role, action, "", obj.state, now, note=note, data=data,
                                      source=source)
            audit.record(actor if actor is not None else (source or "系统"), f"{self.workflow.name}.{action}", obj,
                         detail=audit_detail if audit_detail is not None else data)
            self._emit(obj, event, data)
        return obj

    # -- every later step --------------------------------------------------------------------------
    def precheck(self, action: str, note: str) -> str:
        wf = self.workflow
        if action not in wf.actions or not any(t.action == action and t.from_state for t in wf.transitions):
            raise self.illegal_error("未知的操作。")
        note = (note or "").strip()
        if len(note) > NOTE_MAX:
            raise ValidationError(f"说明不能超过 {NOTE_MAX} 字。")
        return note

    def check_inputs(self, obj, row: Transition, role: str, inputs: dict) -> None:
        label = self.workflow.label(row.action)
        for name in row.requires:
            value = inputs.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise ValidationError(f"{label}须填写{self.input_labels.get(name, name)}。")

    def act(self, actor, obj, action: str, *, note: str = "", expected_version: int | None = None,
            inputs: dict | None = None, now: dt.datetime | None = None):
        """Take one step on `obj`. Returns the updated object (a fresh, locked copy).

        `expected_version` (from the form the user saw) turns a concurrent change into Conflict
        even when the action would still be legal; without it, an action made illegal by someone
        else's step is reported as Conflict rather than IllegalAction when the caller's copy is stale.
        """
        wf = self.workflow
        note = self.precheck(action, note)
        inputs = dict(inputs or {})
        now = now or timezone.now()
        label = wf.label(action)
        with transaction.atomic():
            locked = self.model.objects.select_for_update().get(pk=obj.pk)
            stale = obj.version != locked.version
            if actor is not None and not self.visible(actor, locked.pk):
                # Refused before anything that would reveal its state.
                raise PermissionDenied(f"该{wf.noun}不在您的管辖范围内。")
            state_label = wf.states.get(locked.state, locked.state)
            if expected_version is not None and int(expected_version) != locked.version:
                raise self.conflict_error(f"{wf.noun}已被他人处理（当前状态：{state_label}），请刷新页面后再操作。")
            row = wf.row_for(locked, action)
            if row is None:
                if stale:
                    raise self.conflict_error(f"{wf.noun}已被他人处理（当前状态：{state_label}），不能再{label}。")
                raise self.illegal_error(f"{wf.noun}当前状态为“{state_label}”，不能{label}。")
            role, why = self.role_refusal(actor, locked, row)
            if role is None:
                raise PermissionDenied(why)
            if row.needs_note and not note:
                raise ValidationError(f"{label}须填写说明/理由。")
            self.check_inputs(locked, row, role, inputs)

            from_state = locked.state
            data: dict = {}
            effect = self.effects.get(action)
            if effect:
                effect(locked, row, now, actor=actor, role=role, note=note, data=data, **inputs)
            locked.state = row.to_state
            self.restart_clock(locked, row, from_state, now)
            locked.version += 1
            locked.save()
            # Acting on the object answers what was asked about it before (e.g. "请到现场核查").
            mark_done(locked, now=now)
            event = self.append_event(locked, actor, role, action, from_state, locked.state, now, note=note,
                                      data=data, inputs=inputs)
            audit.record(actor if actor is not None else "系统", f"{wf.name}.{action}", locked,
                         detail={"from": from_state, "to": locked.state, "version": locked.version, **data},
                         reason=note[:300])
            self._emit(locked, event, data)
        return locked

    # -- tiers -------------------------------------------------------------------------------------
    def escalate_tier(self, obj, row, now, *, data, **kw) -> None:
        """Effect for an `escalate` row: move to the next tier, recording both in the event."""
        new = self.workflow.next_tier[obj.tier]
        data.update(from_tier=obj.tier, to_tier=new)
        obj.tier = new

    # -- the sweep ---------------------------------------------------------------------------------
    def sweep(self, now: dt.datetime | None = None, *, batch: int = 500) -> dict:
        """Warn at `warn_fraction` of a step, flag and notify at its deadline, escalate where declared.

        Each object is handled in its own transaction under the row lock and re-checked after
        locking, so a sweep racing a user's action either sees the new step or waits for it.
        """
        now = now or timezone.now()
        counts = dict.fromkeys(self.sweep_counts, 0)
        due_q = Q(due_at__lte=now, is_overdue=False) | Q(warn_at__lte=now, is_warned=False)
        ids = list(self.model.objects.filter(state__in=self.workflow.open_states, due_at__isnull=False)
                   .filter(due_q).order_by("due_at").values_list("pk", flat=True)[:batch])
        for pk in ids:
            try:
                self.sweep_one(pk, now, counts)
            except Exception:  # one bad row must not stop the sweep of the others
                log.exception("deadline sweep failed for %s %s", self.workflow.name, pk)
        return counts

    def sweep_one(self, pk, now: dt.datetime, counts: dict) -> None:
        with transaction.atomic():
            obj = self.model.objects.select_for_update().select_related(None).get(pk=pk)
            if obj.state in self.workflow.terminal or obj.due_at is None:
                return
            if obj.due_at <= now and not obj.is_overdue:
                self.model.objects.filter(pk=pk).update(is_overdue=True, is_warned=True,
                                                        overdue_count=F("overdue_count") + 1)
                self.on_overdue(obj, now, counts)
            elif obj.warn_at and obj.warn_at <= now and not obj.is_warned:
                self.model.objects.filter(pk=pk).update(is_warned=True)
                counts["warned"] += 1
                self.on_warn(obj, now)

    def step_label(self, obj) -> str:
        return self.workflow.states.get(obj.state, obj.state)

    def on_overdue(self, obj, now: dt.datetime, counts: dict) -> None:
        counts["overdue"] += 1
        audit.record("系统", f"{self.workflow.name}.overdue", obj,
                     detail={"state": obj.state, "due_at": obj.due_at.isoformat()})
        self.notify_overdue(obj, now)
        self.escalate_if_declared(obj, now, counts)

    def escalate_if_declared(self, obj, now: dt.datetime, counts: dict) -> bool:
        wf = self.workflow
        if (obj.state, getattr(obj, "tier", None)) not in wf.sweep_escalates:
            return False
        obj.refresh_from_db()
        target = wf.tiers[wf.next_tier[obj.tier]]
        self.act(None, obj, "escalate", note=f"{self.step_label(obj)}超过时限，系统自动上报{target}", now=now)
        counts["escalated"] += 1
        return True

    def notify_overdue(self, obj, now: dt.datetime) -> None:
        """Tell whoever is responsible that the deadline passed. Subclasses decide who."""

    def on_warn(self, obj, now: dt.datetime) -> None:
        """Tell whoever is responsible that the deadline is near. Subclasses decide who."""
