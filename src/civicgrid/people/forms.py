"""Forms only parse input; the rules live in validation.py and services.py."""
from __future__ import annotations

from django import forms

from . import tags as T
from .models import (ID_TYPE_CHOICES, PLACE_KIND_CHOICES, REGISTRATION_CHOICES, RELATION_CHOICES, SEX_CHOICES)


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=60)
    id_type = forms.ChoiceField(label="证件类型", choices=ID_TYPE_CHOICES, initial="resident_id")
    id_number = forms.CharField(label="证件号码", max_length=30, required=False,
                                help_text="居民身份证号将校验第18位校验码；出生日期和性别由证件号得出")
    sex = forms.ChoiceField(label="性别", choices=[("", "（由证件号得出）")] + SEX_CHOICES, required=False)
    birth_date = forms.DateField(label="出生日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(label="联系电话", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    registration = forms.ChoiceField(label="户籍类别", choices=REGISTRATION_CHOICES)
    relation = forms.ChoiceField(label="与户主关系", choices=[("", "—")] + RELATION_CHOICES, required=False)
    moved_in = forms.DateField(label="迁入日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.level_label} · {obj.name}"


class BuildingForm(forms.Form):
    area = AreaChoice(label="社区或网格", queryset=None,
                      help_text="网格员选自己的网格；填写了经纬度时以坐标所在网格为准")
    name = forms.CharField(label="楼栋", max_length=60, help_text="如：3号楼")
    address = forms.CharField(label="地址", max_length=200, required=False, help_text="如：学院路12号院")
    lng = forms.FloatField(label="经度", required=False)
    lat = forms.FloatField(label="纬度", required=False)
    floors = forms.IntegerField(label="层数", required=False, min_value=1, max_value=199)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas


class TagForm(forms.Form):
    kind = forms.ChoiceField(label="类别")
    start = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="事由", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.code, f"{T.GROUP_LABELS[k.group]} · {k.label}") for k in kinds]


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label="方式", choices=[("home", "入户"), ("phone", "电话"), ("other", "其他")])
    visited_on = forms.DateField(label="走访日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="情况记录", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PlaceForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=PLACE_KIND_CHOICES)
    name = forms.CharField(label="名称", max_length=100)
    area = AreaChoice(label="社区或网格", queryset=None)
    address = forms.CharField(label="地址", max_length=200, required=False)
    lng = forms.FloatField(label="经度", required=False)
    lat = forms.FloatField(label="纬度", required=False)
    contact_name = forms.CharField(label="联系人", max_length=60, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
