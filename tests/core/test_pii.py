"""Issue 11 item 8: identity and phone numbers found in free text in every spelling people use,
masked; case numbers, dates and division codes left alone."""
import datetime as dt
import re

from hypothesis import given, settings as hsettings, strategies as st

from civicgrid.core.pii import redact
from civicgrid.people import idnumbers

SEPS = st.sampled_from(["", " ", "-", ".", "\u3000"])


def _spell(digits: str, seps: list[str], cuts: list[int]) -> str:
    """Insert separators after the given positions (as people group digits)."""
    out = []
    for i, ch in enumerate(digits):
        out.append(ch)
        if i + 1 in cuts and i + 1 < len(digits):
            out.append(seps[i % len(seps)])
    return "".join(out)


@st.composite
def mobiles(draw):
    digits = "1" + draw(st.sampled_from("3456789")) + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                                                             min_size=9, max_size=9)))
    sep = draw(SEPS)
    grouping = draw(st.sampled_from([[], [3, 7], [3, 6], [4, 8], [3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]))
    spelled = _spell(digits, [sep], grouping)
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "(+86)", "（+86）", "+86-"]))
    return digits, prefix + spelled


@st.composite
def identities(draw):
    birth = draw(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2020, 12, 31)))
    area = draw(st.sampled_from(["110101", "110108", "310115", "440305", "990102", "652801"]))
    full = idnumbers.make(area, birth, draw(st.integers(0, 999)))
    if draw(st.booleans()) and full[-1] != "X":
        full = full[:-1] + "X"  # a wrong check digit typed by a resident must still be masked
    if draw(st.booleans()):
        full = full[:-1] + full[-1].lower()
    sep = draw(SEPS)
    grouping = draw(st.sampled_from([[], [6, 14], [6, 10, 14], [3, 6, 10, 14], [6]]))
    return full, _spell(full, [sep], grouping)


@st.composite
def old_identities(draw):
    birth = draw(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(1999, 12, 31)))
    digits = "110101" + birth.strftime("%y%m%d") + f"{draw(st.integers(0, 999)):03d}"
    return digits, _spell(digits, [draw(SEPS)], draw(st.sampled_from([[], [6, 12], [6]])))


CONTEXT = st.sampled_from(["联系我{}", "请打{}谢谢", "{}", "电话：{}，身份证见附件", "柳石苑社区 联系我{}号", "（{}）"])


def _digits_left(text: str) -> str:
    return re.sub(r"\D", "", text)


@hsettings(max_examples=300, deadline=None)
@given(mobiles(), CONTEXT)
def test_phones_in_every_spelling_are_masked(phone, template):
    digits, spelled = phone
    out = redact(template.format(spelled))
    assert digits not in _digits_left(out), (spelled, out)
    assert digits[-4:] in out and "****" in out


@hsettings(max_examples=300, deadline=None)
@given(identities(), CONTEXT)
def test_identity_numbers_in_every_spelling_are_masked(ident, template):
    full, spelled = ident
    out = redact(template.format(spelled))
    assert full[6:14] not in _digits_left(out), (spelled, out)  # the birth date is gone
    assert "*" * 8 in out


@hsettings(max_examples=100, deadline=None)
@given(old_identities())
def test_fifteen_digit_identity_numbers_are_masked(ident):
    digits, spelled = ident
    out = redact(f"身份证{spelled}")
    assert digits[6:12] not in _digits_left(out), (spelled, out)


def test_issue_examples():
    assert redact("+8613822223333") == "138****3333"
    assert redact("110101 19900307 1234") == "1101**********1234"
    assert redact("柳石苑社区 联系我13833334444") == "柳石苑社区 联系我138****4444"
    assert "99010219941201298X" not in redact("史 99010219941201298X")
    assert redact("座机 010-62345678") == "座机 *******5678"


NOT_PERSONAL = [
    "案件 2026112700005 已办结",            # a case number (13 digits)
    "2026-11-27 08:30 上报", "20261127", "2026年11月27日", "2026/11/27",
    "社区编码 110108001001", "街道 110108001", "310101002000",
    "经纬度 116.3974, 39.9093", "罚款 2000 元，面积 35.5 平方米", "3号楼2单元1201室",
    "工单 2026112700005、2026112700006", "GB/T 47678 第 06028 类", "门牌 1380 号",
]


def test_no_false_hits_on_case_numbers_dates_and_codes():
    for text in NOT_PERSONAL:
        assert redact(text) == text, text
