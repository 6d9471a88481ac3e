"""GB 32100-2015 check character, over generated valid codes and every single-character corruption."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.orgs import creditcode as C

ALPHA = st.sampled_from(C.ALPHABET)
bodies = st.tuples(ALPHA, ALPHA, st.text("0123456789", min_size=6, max_size=6),
                   st.text(C.ALPHABET, min_size=9, max_size=9)).map(lambda p: "".join(p))


def test_weights_and_alphabet_are_the_standards():
    assert C.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(C.ALPHABET) == 31 and not set("IOZSV") & set(C.ALPHABET)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "53100000500021676K"])
def test_published_codes_are_valid(code):
    assert C.validate(code) == code


@given(bodies)
def test_every_generated_code_is_valid(body):
    code = body + C.check_character(body)
    assert C.validate(code) == code
    assert C.validate(" " + code.lower() + " ") == code  # pasted in lower case with spaces


@settings(max_examples=300)
@given(bodies, st.integers(0, 17), ALPHA)
def test_any_single_character_change_is_refused(body, pos, ch):
    code = body + C.check_character(body)
    if code[pos] == ch:
        ch = C.ALPHABET[(C.VALUE[ch] + 1) % 31]
    bad = code[:pos] + ch + code[pos + 1:]
    if 2 <= pos <= 7 and not ch.isdigit():
        with pytest.raises(C.CreditCodeError, match="行政区划码"):
            C.validate(bad)
    else:
        # Weights are units mod 31 (31 is prime), so one changed character always changes the sum.
        with pytest.raises(C.CreditCodeError, match="校验位"):
            C.validate(bad)


@given(bodies, st.sampled_from("IOZSV"), st.integers(0, 17))
def test_excluded_letters_are_refused_with_the_reason(body, letter, pos):
    code = body + C.check_character(body)
    bad = code[:pos] + letter + code[pos + 1:]
    with pytest.raises(C.CreditCodeError, match="不使用 I、O、Z、S、V"):
        C.validate(bad)


@given(bodies, st.integers(1, 25))
def test_wrong_length_is_refused(body, n):
    code = (body + C.check_character(body))
    bad = (code * 2)[:n] if n != 18 else code[:17]
    with pytest.raises(C.CreditCodeError, match="18 位"):
        C.validate(bad)
