"""Form parsing: the registration form, and each workflow action's extra inputs."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicgrid.core.scoping import visible_to

from . import selectors
from . import workflow as W
from .models import SOURCE_CHOICES, TYPE_CHOICES, Screening


class DisputeForm(forms.Form):
    source = forms.ChoiceField(label="来源", choices=SOURCE_CHOICES[:1] + SOURCE_CHOICES[2:], initial="walk_in")
    type = forms.ChoiceField(label="纠纷类型", choices=TYPE_CHOICES)
    region = forms.ChoiceField(label="发生地（网格/社区）")
    address = forms.CharField(label="详细地址", max_length=200, required=False)
    summary = forms.CharField(label="纠纷概况", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.DecimalField(label="涉及金额（元）", required=False, min_value=0, max_digits=14, decimal_places=2)
    risk_level = forms.ChoiceField(label="风险等级", choices=list(W.RISK_LEVELS.items()), initial="low")
    risk_flags = forms.MultipleChoiceField(label="风险因素", choices=list(W.RISK_FLAGS.items()), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    applicant_person = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    applicant_name = forms.CharField(label="申请方姓名", max_length=50, required=False)
    applicant_phone = forms.CharField(label="申请方电话", max_length=20, required=False,
                                      widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    applicant_id = forms.CharField(label="申请方身份证号", max_length=20, required=False)
    applicant_consent = forms.BooleanField(label="申请方同意调解", required=False, initial=True)
    respondent_person = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    respondent_name = forms.CharField(label="被申请方姓名", max_length=50, required=False)
    respondent_phone = forms.CharField(label="被申请方电话", max_length=20, required=False,
                                       widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    respondent_id = forms.CharField(label="被申请方身份证号", max_length=20, required=False)
    respondent_consent = forms.BooleanField(label="被申请方同意调解", required=False)
    screening = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, user, data=None, initial=None):
        super().__init__(data, initial=initial)
        self.user = user
        self.places = {r.code: r for r in selectors.places(user)}
        self.fields["region"].choices = [("", "请选择")] + [(c, r.name) for c, r in self.places.items()]

    def clean_screening(self):
        pk = self.cleaned_data.get("screening")
        if not pk:
            return None
        s = visible_to(self.user, Screening.objects.all()).filter(pk=pk).first()
        if s is None:
            raise ValidationError("排查记录不存在或不在您的管辖范围内。")
        return s

    def _person(self, side: str):
        """A resident picked from the register: only by a seat that uses the register, inside its scope."""
        pk = self.cleaned_data.get(f"{side}_person")
        if not pk:
            return None
        from civicgrid.people import selectors as people

        if not selectors.may_pick_residents(self.user):
            raise ValidationError("您不能从居民登记中选择当事人，请直接填写姓名等信息。")
        person = people.people_for(self.user).filter(pk=pk, anonymised_at__isnull=True).first()
        if person is None:
            raise ValidationError("所选居民不存在或不在您的管辖范围内。")
        return person

    def clean_applicant_person(self):
        return self._person("applicant")

    def clean_respondent_person(self):
        return self._person("respondent")

    def clean(self):
        c = super().clean()
        if not c.get("applicant_person") and not (c.get("applicant_name") or "").strip() \
                and "applicant_person" not in self.errors:
            self.add_error("applicant_name", "请填写申请方姓名，或从居民登记中选择。")
        return c

    def service_kwargs(self) -> dict:
        c = self.cleaned_data
        parties = [{"side": "applicant", "person": c.get("applicant_person"), "name": c["applicant_name"],
                    "phone": c["applicant_phone"], "id_number": c["applicant_id"], "consent": c["applicant_consent"],
                    "consent_how": "登记时确认"}]
        if c.get("respondent_name") or c.get("respondent_person"):
            parties.append({"side": "respondent", "person": c.get("respondent_person"),
                            "name": c["respondent_name"], "phone": c["respondent_phone"],
                            "id_number": c["respondent_id"], "consent": c["respondent_consent"],
                            "consent_how": "登记时确认"})
        return dict(source=c["source"], type=c["type"], summary=c["summary"], region=self.places[c["region"]],
                    address=c["address"], amount=c["amount"], risk_level=c["risk_level"], risk_flags=c["risk_flags"],
                    parties=parties, screening=c.get("screening"))


def _datetime(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("调解时间格式不正确。")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _yes_no(value: str):
    return {"1": True, "0": False}.get(value)


def action_inputs(user, action: str, post) -> dict:
    """The extra inputs of `action` from a POSTed form (the services validate them)."""
    if action == "accept":
        return {"consent": True if post.get("consent") == "1" else None,
                "mediators": list(selectors.mediators(user).filter(pk__in=[p for p in post.getlist("mediators")
                                                                           if p.isdigit()])),
                "room": selectors.rooms(user).filter(pk=post.get("room") or 0).first() if (post.get("room") or "").isdigit() else None}
    if action == "record_session":
        room = selectors.rooms(user).filter(pk=post.get("room")).first() if (post.get("room") or "").isdigit() else None
        return {"session": {"at": _datetime(post.get("at", "")), "room": room, "place": post.get("place", ""),
                            "attendees": post.get("attendees", ""),
                            "applicant_statement": post.get("applicant_statement", ""),
                            "respondent_statement": post.get("respondent_statement", ""),
                            "outcome": post.get("outcome", "continue"), "note": post.get("opinion", "")}}
    if action == "agree":
        return {"text": post.get("text", ""), "confirmed": post.get("confirmed") == "1",
                "performance": post.get("performance", "")}
    if action == "follow_up":
        return {"kept": _yes_no(post.get("kept", "")), "month": post.get("month") or None}
    if action == "refer":
        return {"channel": post.get("channel", ""), "receiver": post.get("receiver", "")}
    if action == "answer_referral":
        return {"answer": post.get("answer", "")}
    if action == "assess_risk":
        return {"risk": post.get("risk", ""), "flags": post.getlist("flags")}
    return {}
